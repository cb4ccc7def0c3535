//! The `ogi` binary as a user runs it.

use std::path::PathBuf;
use std::process::Command;

fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn ogi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ogi")).args(args).output().expect("run ogi")
}

#[test]
fn parse_prints_the_cell_contract() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let out = ogi(&["report", "parse", seed.to_str().unwrap(), "--format", "cells"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = std::fs::read_to_string(corpus().join("expected/liaocheng-gxj-2023.txt.cells.tsv")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn json_output_reads_back_to_the_same_cells() {
    let seed = corpus().join("liaocheng-gxj-2023.txt");
    let out = ogi(&["report", "parse", seed.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success());
    let dir = std::env::temp_dir().join(format!("ogi-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("seed.json");
    std::fs::write(&json, &out.stdout).unwrap();
    let back = ogi(&["report", "parse", json.to_str().unwrap()]);
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    let cells = ogi(&["report", "parse", seed.to_str().unwrap()]);
    assert_eq!(back.stdout, cells.stdout);
    // Provenance is in the JSON: the seed's 予以公开 count was read on a line.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cells"]["t3.granted.natural"]["provenance"]["origin"]["kind"], "line");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_that_is_not_a_report_exits_2_with_one_line_naming_it() {
    let dir = std::env::temp_dir().join(format!("ogi-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [
        ("notes.txt", "会议纪要：今天讨论了食堂菜单。".as_bytes().to_vec()),
        ("broken.pdf", b"%PDF-1.7\n1 0 obj <<".to_vec()),
        ("broken.docx", b"PK\x03\x04garbage".to_vec()),
        ("empty.txt", Vec::new()),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = ogi(&["report", "parse", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
    }
    let missing = ogi(&["report", "parse", dir.join("nope.html").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
