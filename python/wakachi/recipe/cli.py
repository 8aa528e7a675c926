"""`wakachi recipe list|show` and `wakachi run`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

RUN_EPILOG = """examples:
  wakachi recipe list
  wakachi run cl-tohoku-bert-base-v3 --input jawiki-cirrussearch-content.json.gz --out runs/bert-v3
  wakachi run cl-tohoku-bert-base-v3 --input cc100_ja.txt.xz --out runs/bert-v3 --set corpus.kind=text
  wakachi run uer-roberta-word-tiny --input cluecorpussmall.txt --out runs/uer --scale tiny
  wakachi recipe show izumi-electra-small > my.toml; wakachi run my.toml --input wiki.txt --out runs/electra
  wakachi run waseda-roberta-large-seq512 --input juman_words.txt --out runs/w --nproc-per-node 8
The same command after an interruption resumes: finished stages are skipped, pack and train continue.
A changed setting reruns its stage and every stage after it."""


def _overrides(sets: list[str] | None) -> list[dict[str, Any]]:
    from wakachi.train.config import parse_override

    return [parse_override(s) for s in sets or []]


def _list(args: argparse.Namespace) -> int:
    from wakachi.recipe.spec import load_raw, names

    rows = []
    for n in names():
        _, d = load_raw(n)
        r = d.get("recipe", {})
        rows.append((n, r.get("reproduces", ""), r.get("summary", "")))
    w = max(len(r[0]) for r in rows)
    for n, rep, summ in rows:
        print(f"{n:<{w}}  {rep}\n{'':<{w}}  {summ}")
    print(
        f"\n{len(rows)} recipes; `wakachi recipe show NAME` prints one, `wakachi run NAME --input ... --out DIR` runs it"
    )
    return 0


def _show(args: argparse.Namespace) -> int:
    from wakachi.recipe.spec import dumps, load, locate

    if not args.resolved and args.scale == "full" and not args.set:
        sys.stdout.write(locate(args.recipe).read_text(encoding="utf-8"))
        return 0
    r = load(args.recipe, args.scale, _overrides(args.set))
    sys.stdout.write(f"# {r.name} at scale {r.scale}, resolved from {r.path}\n" + dumps(r.data))
    return 0


def _run(args: argparse.Namespace) -> int:
    from wakachi.recipe.runner import Runner
    from wakachi.recipe.spec import load

    recipe = load(args.recipe, args.scale, _overrides(args.set))
    runner = Runner(
        recipe,
        args.input,
        args.out,
        threads=args.threads,
        nproc=args.nproc_per_node,
        progress=not args.quiet,
        pack_executor={"executor": args.executor, "ray_address": args.address},
    )
    if args.dry_run:
        for i, st in enumerate(runner.stages, 1):
            print(f"[{i}/{len(runner.stages)}] {st.name:<16} {runner.state(st)}")
        return 0
    results = runner.run(until=args.until, data_only=args.data_only)
    print(f"\nwakachi run {recipe.name} ({recipe.scale}) → {args.out}")
    for r in results:
        print(f"  {r.name:<16} {r.state:<8} {r.seconds:8.1f} s")
    export = next((r for r in results if r.name == "export"), None)
    trains = [r for r in results if r.name.startswith("train-")]
    if trains and trains[-1].figures.get("plot"):
        print(f"loss plot: {trains[-1].figures['plot']}")
    if export is not None:
        print(f"model: {export.figures.get('model')} (AutoModel / AutoTokenizer / pipeline load it offline)")
    return 0


def add_parsers(sub: Any) -> None:
    rp = sub.add_parser("recipe", help="list and show the reference-model recipes")
    rsub = rp.add_subparsers(dest="recipe_command", required=True)
    lp = rsub.add_parser("list", help="the recipes shipped with wakachi")
    lp.set_defaults(func=_list)
    sp = rsub.add_parser("show", help="print a recipe (as shipped, or resolved with --scale/--set)")
    sp.add_argument("recipe", help="a recipe name (wakachi recipe list) or a recipe file")
    sp.add_argument("--scale", choices=("full", "tiny"), default="full")
    sp.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a setting (TOML value)")
    sp.add_argument("--resolved", action="store_true", help="print the merged settings (bases, scale, --set)")
    sp.set_defaults(func=_show)

    p = sub.add_parser(
        "run",
        help="run a recipe end to end: corpus, vocabulary, shards, training stages, export",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recipe", help="a recipe name (wakachi recipe list) or a recipe file")
    p.add_argument("--input", "-i", nargs="+", required=True, metavar="FILE", help="the corpus files")
    p.add_argument("--out", "-o", required=True, help="the run's directory (stages, shards, checkpoints, model)")
    p.add_argument("--scale", choices=("full", "tiny"), default="full", help="tiny: smaller model, steps and data")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a recipe setting (TOML value)")
    p.add_argument("--threads", type=int, default=0, help="threads for the data stages (0: all cores)")
    p.add_argument("--nproc-per-node", type=int, default=1, help="train stages under torchrun with this many processes")
    p.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="pack stages: local, or tasks on a Ray cluster (the same shards; not part of a stage's fingerprint)",
    )
    p.add_argument("--address", help="pack stages with --executor ray: the Ray cluster (default: a local instance)")
    p.add_argument("--until", metavar="STAGE", help="stop after this stage")
    p.add_argument("--data-only", action="store_true", help="corpus, vocabulary and shards of every stage; no training")
    p.add_argument("--dry-run", action="store_true", help="print each stage and whether it would run, resume or skip")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)
