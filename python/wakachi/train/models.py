"""The four objectives on `transformers` model classes, built from a config so export is direct.

Each objective is an `nn.Module` (the FSDP root) holding the `transformers` model(s); its
`forward(batch)` returns the **sums** of its loss terms over the batch (fp32) and the trainer
divides each by its global count (all ranks, all micro-batches), so a global batch gives the same
loss and gradients at any world size. MLM heads run on the predicted positions only
(`batch["masked_index"]`, from the loader).

- `bert`: `BertForPreTraining`, MLM + NSP (static masks from `bert` shards);
- `mlm`: `BertForMaskedLM` or `RobertaForMaskedLM` (tied embeddings), dynamic whole-word masks;
- `electra`: generator `ElectraForMaskedLM` (hidden, heads and FFN × `generator_fraction`) and
  discriminator `ElectraForPreTraining` sharing one embeddings module; replacements sampled from the
  generator (Gumbel-max, T = 1); loss = MLM + `disc_weight` × replaced-token detection;
- `clm`: `GPT2LMHeadModel` (tied), labels already shifted by the loader.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from wakachi.loader import ShardInfo
from wakachi.train.config import TrainConfig

# The loss terms of each objective: (name, what its sum is divided by).
TERMS = {
    "bert": (("mlm", "predicted"), ("nsp", "nsp_rows")),
    "mlm": (("mlm", "predicted"),),
    "electra": (("mlm", "predicted"), ("disc", "tokens")),
    "clm": (("clm", "predicted"),),
}


def _bert_kwargs(cfg: TrainConfig, info: ShardInfo) -> dict[str, Any]:
    m = cfg.model
    return {
        "vocab_size": info.vocab_size,
        "hidden_size": m.hidden_size,
        "num_hidden_layers": m.num_hidden_layers,
        "num_attention_heads": m.num_attention_heads,
        "intermediate_size": m.intermediate_size,
        "hidden_dropout_prob": m.dropout,
        "attention_probs_dropout_prob": m.attention_dropout,
        "max_position_embeddings": m.max_position_embeddings,
        "initializer_range": m.initializer_range,
        "pad_token_id": info.specials["pad"],
    }


def _gather(hidden: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return hidden.reshape(-1, hidden.shape[-1]).index_select(0, index)


class BertPretraining(nn.Module):
    """MLM + NSP on `BertForPreTraining`."""

    objective = "bert"

    def __init__(self, cfg: TrainConfig, info: ShardInfo) -> None:
        super().__init__()
        from transformers import BertConfig, BertForPreTraining

        conf = BertConfig(**_bert_kwargs(cfg, info), type_vocab_size=2)
        conf._attn_implementation = "sdpa"
        self.model = BertForPreTraining(conf)

    def blocks(self) -> list[nn.Module]:
        return list(self.model.bert.encoder.layer)

    def exports(self) -> dict[str, nn.Module]:
        return {"": self.model}

    def forward(self, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        seq, pooled = self.model.bert(
            input_ids=b["input_ids"], attention_mask=b["attention_mask"], token_type_ids=b["token_type_ids"]
        )[:2]
        idx = b["masked_index"]
        logits = self.model.cls.predictions(_gather(seq, idx)).float()
        mlm = F.cross_entropy(logits, b["labels"].reshape(-1).index_select(0, idx), reduction="sum")
        nsp_logits = self.model.cls.seq_relationship(pooled).float()
        nsp = F.cross_entropy(nsp_logits, b["next_sentence_label"], ignore_index=-100, reduction="sum")
        return mlm, nsp


class MaskedLM(nn.Module):
    """MLM on `BertForMaskedLM` or `RobertaForMaskedLM` (tied embeddings)."""

    objective = "mlm"

    def __init__(self, cfg: TrainConfig, info: ShardInfo) -> None:
        super().__init__()
        from transformers import BertConfig, BertForMaskedLM, RobertaConfig, RobertaForMaskedLM

        kw = _bert_kwargs(cfg, info)
        self.arch = cfg.model.arch
        self.model: Any
        if self.arch == "roberta":
            # RoBERTa numbers positions from pad_id + 1.
            kw["max_position_embeddings"] += info.specials["pad"] + 1
            rconf = RobertaConfig(
                **kw, type_vocab_size=1, bos_token_id=info.specials["cls"], eos_token_id=info.specials["sep"]
            )
            rconf._attn_implementation = "sdpa"
            self.model = RobertaForMaskedLM(rconf)
        else:
            conf = BertConfig(**kw, type_vocab_size=2)
            conf._attn_implementation = "sdpa"
            self.model = BertForMaskedLM(conf)

    def _encoder(self) -> Any:
        return self.model.roberta if self.arch == "roberta" else self.model.bert

    def blocks(self) -> list[nn.Module]:
        return list(self._encoder().encoder.layer)

    def exports(self) -> dict[str, nn.Module]:
        return {"": self.model}

    def forward(self, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        kw = {"input_ids": b["input_ids"], "attention_mask": b["attention_mask"]}
        if "token_type_ids" in b and self.arch != "roberta":
            kw["token_type_ids"] = b["token_type_ids"]
        seq = self._encoder()(**kw)[0]
        idx = b["masked_index"]
        head = self.model.lm_head if self.arch == "roberta" else self.model.cls
        logits = head(_gather(seq, idx)).float()
        return (F.cross_entropy(logits, b["labels"].reshape(-1).index_select(0, idx), reduction="sum"),)


class Electra(nn.Module):
    """ELECTRA: generator + discriminator with shared embeddings."""

    objective = "electra"

    def __init__(self, cfg: TrainConfig, info: ShardInfo) -> None:
        super().__init__()
        from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

        m = cfg.model
        kw = _bert_kwargs(cfg, info)
        kw["embedding_size"] = m.embedding_size
        disc = ElectraConfig(**kw, type_vocab_size=2)
        f = cfg.model.generator_fraction
        gen = ElectraConfig(
            **{
                **kw,
                "hidden_size": max(1, int(m.hidden_size * f)),
                "num_attention_heads": max(1, int(m.num_attention_heads * f)),
                "intermediate_size": max(1, int(m.intermediate_size * f)),
            },
            type_vocab_size=2,
        )
        if gen.hidden_size % gen.num_attention_heads:
            gen.num_attention_heads = 1
        for c in (disc, gen):
            c._attn_implementation = "sdpa"
        self.generator = ElectraForMaskedLM(gen)
        self.discriminator = ElectraForPreTraining(disc)
        # One embeddings module for both; the generator's LM head stays tied to its word embeddings.
        self.discriminator.electra.embeddings = self.generator.electra.embeddings
        self.disc_weight = cfg.run.disc_weight
        self.sample_seed = 0

    def blocks(self) -> list[nn.Module]:
        return list(self.generator.electra.encoder.layer) + list(self.discriminator.electra.encoder.layer)

    def exports(self) -> dict[str, nn.Module]:
        return {"": self.discriminator, "generator": self.generator}

    def forward(self, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        ids, attn = b["input_ids"], b["attention_mask"]
        tt = b.get("token_type_ids")
        idx = b["masked_index"]
        targets = b["labels"].reshape(-1).index_select(0, idx)
        gseq = self.generator.electra(input_ids=ids, attention_mask=attn, token_type_ids=tt)[0]
        glogits = self.generator.generator_lm_head(self.generator.generator_predictions(_gather(gseq, idx))).float()
        gen = F.cross_entropy(glogits, targets, reduction="sum")
        with torch.no_grad():
            g = torch.Generator(device=glogits.device).manual_seed(self.sample_seed)
            u = torch.rand(glogits.shape, generator=g, device=glogits.device).clamp_(1e-9, 1.0 - 1e-9)
            sampled = (glogits - torch.log(-torch.log(u))).argmax(-1)
            disc_ids = ids.reshape(-1).clone()
            disc_ids[idx] = sampled
            replaced = (sampled != targets).float()
            disc_labels = torch.zeros(ids.numel(), device=ids.device)
            disc_labels[idx] = replaced
            disc_ids = disc_ids.view_as(ids)
        dseq = self.discriminator.electra(input_ids=disc_ids, attention_mask=attn, token_type_ids=tt)[0]
        dlogits = self.discriminator.discriminator_predictions(dseq).float().reshape(-1)
        live = attn.reshape(-1).bool()
        disc = F.binary_cross_entropy_with_logits(dlogits[live], disc_labels[live], reduction="sum")
        return gen, disc


class CausalLM(nn.Module):
    """GPT-2 causal LM (tied embeddings); labels come shifted from the loader."""

    objective = "clm"

    def __init__(self, cfg: TrainConfig, info: ShardInfo) -> None:
        super().__init__()
        from transformers import GPT2Config, GPT2LMHeadModel

        m = cfg.model
        sp = info.specials
        conf = GPT2Config(
            vocab_size=info.vocab_size,
            n_positions=m.max_position_embeddings,
            n_embd=m.hidden_size,
            n_layer=m.num_hidden_layers,
            n_head=m.num_attention_heads,
            n_inner=m.intermediate_size,
            resid_pdrop=m.dropout,
            embd_pdrop=m.dropout,
            attn_pdrop=m.attention_dropout,
            initializer_range=m.initializer_range,
            bos_token_id=sp["cls"],
            eos_token_id=sp["sep"],
            pad_token_id=sp["pad"],
        )
        conf._attn_implementation = "sdpa"
        self.model = GPT2LMHeadModel(conf)

    def blocks(self) -> list[nn.Module]:
        return list(self.model.transformer.h)

    def exports(self) -> dict[str, nn.Module]:
        return {"": self.model}

    def forward(self, b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        seq = self.model.transformer(input_ids=b["input_ids"], attention_mask=b["attention_mask"])[0]
        logits = self.model.lm_head(seq).float()
        return (F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b["labels"].reshape(-1), reduction="sum"),)


MODELS: dict[str, type[nn.Module]] = {"bert": BertPretraining, "mlm": MaskedLM, "electra": Electra, "clm": CausalLM}


def build(cfg: TrainConfig, info: ShardInfo) -> nn.Module:
    return MODELS[cfg.objective](cfg, info)


def counts(objective: str, b: dict[str, Any]) -> dict[str, float]:
    """What each loss term of `b` is divided by (before the all-reduce)."""
    out = {"predicted": float(b["num_predicted"])}
    if objective == "bert":
        out["nsp_rows"] = float((b["next_sentence_label"] != -100).sum())
    if objective == "electra":
        out["tokens"] = float(b["attention_mask"].sum())
    return out


def flops_per_token(model: nn.Module, cfg: TrainConfig, seq_len: int, predicted_share: float, vocab: int) -> float:
    """Training FLOPs per input token (forward + backward = 3 × forward, 2 FLOPs per MAC):
    6 × the parameters of the transformer blocks, + 12 × layers × hidden × seq_len for attention
    scores and values, + 6 × (hidden × vocab + hidden²) × the share of tokens the head runs on
    (all for causal LM; the predicted share for MLM). ELECTRA adds the generator's terms and the
    discriminator head (hidden² per token)."""

    def blocks_params(blocks: list[nn.Module]) -> int:
        return sum(p.numel() for blk in blocks for p in blk.parameters())

    m = cfg.model
    if cfg.objective == "electra":
        e: Any = model
        gen_blocks, disc_blocks = list(e.generator.electra.encoder.layer), list(e.discriminator.electra.encoder.layer)
        hg = e.generator.config.hidden_size
        f = 6 * (blocks_params(gen_blocks) + blocks_params(disc_blocks))
        f += 12 * m.num_hidden_layers * (m.hidden_size + hg) * seq_len
        f += 6 * (hg * m.embedding_size + m.embedding_size * vocab) * predicted_share + 6 * m.hidden_size**2
        return float(f)
    blocks = model.blocks()  # type: ignore[operator]
    share = 1.0 if cfg.objective == "clm" else predicted_share
    return float(
        6 * blocks_params(blocks)
        + 12 * m.num_hidden_layers * m.hidden_size * seq_len
        + 6 * (m.hidden_size * vocab + m.hidden_size**2) * share
    )
