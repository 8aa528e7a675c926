use super::*;

fn model(hmm: bool) -> Jieba {
    Jieba::open(&JiebaOptions { hmm, user_dict: None }).unwrap()
}

fn words(j: &Jieba, text: &str) -> Vec<String> {
    let mut w = j.worker();
    let mut out = Vec::new();
    w.segment(text, &mut out);
    out.iter().map(|s| text[s.start..s.end].to_string()).collect()
}

fn user_dict(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wakachi-jieba-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

// Expected words from Python jieba 0.42.1, `[w for w in jieba.lcut(line, HMM=...) if w.strip()]`,
// on lines 159, 219 and 282 of /work/shared/corpora/zh_debian.txt.
const LINES: [(&str, &str, &str); 3] = [
    (
        "表 1.4. “ls -l”输出的第一个字符列表",
        "表|1.4|.|“|ls|-|l|”|输出|的|第一个|字符|列表",
        "表|1|.|4|.|“|ls|-|l|”|输出|的|第一个|字符|列表",
    ),
    (
        "参考第 9.3.4 节 “定制时间和日期的显示” 自定义 “ls -l” 输出 。",
        "参考|第|9.3|.|4|节|“|定制|时间|和|日期|的|显示|”|自定义|“|ls|-|l|”|输出|。",
        "参考|第|9|.|3|.|4|节|“|定制|时间|和|日期|的|显示|”|自定义|“|ls|-|l|”|输出|。",
    ),
    (
        "删除文件 (注意---设置 MC 为安全删除模式)",
        "删除|文件|(|注意|---|设置|MC|为|安全|删除|模式|)",
        "删除|文件|(|注意|-|-|-|设置|MC|为|安全|删除|模式|)",
    ),
];

#[test]
fn corpus_lines_match_python_jieba() {
    let (with, without) = (model(true), model(false));
    for (line, hmm, no_hmm) in LINES {
        assert_eq!(words(&with, line).join("|"), hmm, "HMM: {line}");
        assert_eq!(words(&without, line).join("|"), no_hmm, "no HMM: {line}");
    }
}

#[test]
fn whitespace_is_pythons_isspace() {
    let j = model(true);
    // U+001F is whitespace to Python (dropped), U+200B is not (kept as a word).
    assert_eq!(words(&j, "\u{1F}\u{3000}a\u{200B}\t"), ["a", "\u{200B}"]);
    assert!(words(&j, " \u{85}\u{A0} ").is_empty());
}

#[test]
fn user_dict_words_are_cut_whole() {
    let j = model(true);
    assert_ne!(words(&j, "注意---设置")[0], "注意---设置");
    let p = user_dict("ok.txt", "\u{FEFF}注意---设置\n\n  位未设置 5 n \r\n".as_bytes());
    let j = Jieba::open(&JiebaOptions { hmm: true, user_dict: Some(p) }).unwrap();
    assert_eq!(words(&j, "删除文件(注意---设置 MC)"), ["删除", "文件", "(", "注意---设置", "MC", ")"]);
    assert_eq!(words(&j, "执行位未设置。"), ["执行", "位未设置", "。"]);
}

#[test]
fn user_dict_errors_name_file_and_line() {
    let p = user_dict("bad.txt", b"ok 3\n\xff\xfe bad\n");
    match Jieba::open(&JiebaOptions { hmm: true, user_dict: Some(p.clone()) }) {
        Err(Error::Malformed { path, line, .. }) => assert_eq!((path, line), (p, 2)),
        other => panic!("expected Malformed, got {other:?}"),
    }
    let p = user_dict("big.txt", b"a 1\nb 2\nc 99999999999999999999999\n");
    match Jieba::open(&JiebaOptions { hmm: true, user_dict: Some(p) }) {
        Err(Error::Malformed { line, msg, .. }) => assert_eq!(line, 3, "{msg}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    let missing = Path::new("/nonexistent/wakachi/user.dict").to_path_buf();
    match Jieba::open(&JiebaOptions { hmm: true, user_dict: Some(missing.clone()) }) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected Io, got {other:?}"),
    }
}
