//! Archives a 主管部门 receives: real reports in a ZIP come out whole;
//! hostile archives are refused whole, with the reason.

use std::io::Write;

use ogi_region::intake::{unpack, Limits};
use zip::write::SimpleFileOptions;

fn zip_of(entries: &[(&[u8], &[u8])], stored: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if stored { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
    for (name, bytes) in entries {
        // Raw names: what a Windows tool writes (GBK, no UTF-8 flag) must survive.
        let name = String::from_utf8(name.to_vec())
            .unwrap_or_else(|_| encoding_rs::GBK.decode_without_bom_handling(name).0.into_owned());
        w.start_file(name, SimpleFileOptions::default().compression_method(method)).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_zip_of_reports_gives_each_file_with_its_name() {
    let inner = zip_of(&[("乙局.txt".as_bytes(), b"report b")], false);
    let outer = zip_of(
        &[
            ("甲局/2024年报.txt".as_bytes(), b"report a"),
            ("__MACOSX/._x".as_bytes(), b"junk"),
            ("区县.zip".as_bytes(), &inner),
        ],
        false,
    );
    let got = unpack("上报.zip", outer, &Limits::DEFAULT).unwrap();
    let names: Vec<&str> = got.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["上报.zip/甲局/2024年报.txt", "上报.zip/区县.zip/乙局.txt"]);
    assert_eq!(got[1].bytes, b"report b");
    // Not an archive: the file itself.
    assert_eq!(unpack("a.pdf", b"%PDF-1.7".to_vec(), &Limits::DEFAULT).unwrap().len(), 1);
    // A Word file is a ZIP too, but a report, not an archive: kept whole,
    // alone or inside an archive.
    let docx = zip_of(&[(b"[Content_Types].xml", b"<Types/>"), (b"word/document.xml", b"<w:document/>")], false);
    let alone = unpack("报告.docx", docx.clone(), &Limits::DEFAULT).unwrap();
    assert_eq!(alone, [ogi_region::intake::Entry { name: "报告.docx".into(), bytes: docx.clone() }]);
    let inside = unpack("上报.zip", zip_of(&[("a/报告.docx".as_bytes(), &docx)], false), &Limits::DEFAULT).unwrap();
    assert_eq!(inside.len(), 1);
    assert_eq!(inside[0].name, "上报.zip/a/报告.docx");
    assert_eq!(inside[0].bytes, docx);
    // A damaged Word file inside is an entry (its reader will say why), not a refusal.
    let broken = unpack("上报.zip", zip_of(&[(b"x.docx", b"PK\x03\x04broken")], false), &Limits::DEFAULT).unwrap();
    assert_eq!(broken[0].bytes, b"PK\x03\x04broken");
}

#[test]
fn hostile_archives_are_refused_whole_with_the_reason() {
    let refused = |bytes: Vec<u8>, limits: &Limits| unpack("x.zip", bytes, limits).unwrap_err();
    for bad in ["../evil.txt", "a/../../evil.txt", "/etc/passwd"] {
        let e = refused(zip_of(&[(b"ok.txt", b"fine"), (bad.as_bytes(), b"x")], false), &Limits::DEFAULT);
        assert!(e.contains("不安全的路径"), "{bad}: {e}");
    }
    // A bomb: a small entry that inflates past the limit.
    let zeros = vec![0u8; 4 << 20];
    let bomb = zip_of(&[(b"bomb.txt", &zeros)], false);
    assert!(bomb.len() < 64 << 10, "the test's bomb is small: {}", bomb.len());
    let small = Limits { entry_bytes: 1 << 20, ..Limits::DEFAULT };
    assert!(refused(bomb, &small).contains("压缩炸弹"));
    // The issue's bomb: an entry of about 1 KB inflating to 1 MB, past a 256 KB limit.
    let mega = vec![0u8; 1 << 20];
    let kilo_bomb = zip_of(&[(b"1k.txt", &mega)], false);
    assert!(kilo_bomb.len() < 1200, "the entry is about 1 KB: {}", kilo_bomb.len());
    let strict = Limits { entry_bytes: 256 << 10, ..Limits::DEFAULT };
    assert!(refused(kilo_bomb, &strict).contains("压缩炸弹"));
    // The sum of entries counts too: many small ones past the total.
    let parts: Vec<(&[u8], &[u8])> = vec![(b"a.txt", &mega), (b"b.txt", &mega), (b"c.txt", &mega)];
    let total = Limits { total_bytes: 2 << 20, ..Limits::DEFAULT };
    assert!(refused(zip_of(&parts, false), &total).contains("压缩炸弹"));
    // Nested past one level.
    let deep = zip_of(&[(b"c.zip", &zip_of(&[(b"b.zip", &zip_of(&[(b"a.txt", b"a")], false))], false))], false);
    assert!(refused(deep, &Limits::DEFAULT).contains("嵌套"));
    // Thousands of tiny entries.
    let names: Vec<String> = (0..6000).map(|i| format!("{i}.txt")).collect();
    let many: Vec<(&[u8], &[u8])> = names.iter().map(|n| (n.as_bytes(), &b"x"[..])).collect();
    assert!(refused(zip_of(&many, true), &Limits::DEFAULT).contains("超过 5000 个"));
    // Not a ZIP at all behind the magic bytes.
    assert!(refused(b"PK\x03\x04garbage".to_vec(), &Limits::DEFAULT).contains("不是完好的 ZIP"));
}

#[test]
fn gbk_names_from_windows_tools_are_decoded() {
    // A Windows tool writes the name's GBK bytes and no UTF-8 flag: written
    // here under an ASCII name of the same length, then swapped in both
    // headers (the local one and the central directory's).
    let (gbk, _, _) = encoding_rs::GBK.encode("聊城市工信局.txt");
    let placeholder = b"placeholder1.txt";
    assert_eq!(gbk.len(), placeholder.len());
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("placeholder1.txt", SimpleFileOptions::default()).unwrap();
    w.write_all(b"r").unwrap();
    let mut bytes = w.finish().unwrap().into_inner();
    let mut swapped = 0;
    let mut i = 0;
    while i + placeholder.len() <= bytes.len() {
        if &bytes[i..i + placeholder.len()] == placeholder {
            bytes[i..i + placeholder.len()].copy_from_slice(&gbk);
            swapped += 1;
        }
        i += 1;
    }
    assert_eq!(swapped, 2);
    let got = unpack("x.zip", bytes, &Limits::DEFAULT).unwrap();
    assert_eq!(got[0].name, "x.zip/聊城市工信局.txt");
}
