//! A letter as a self-contained printable web page: A4, 仿宋 body, 小标宋
//! title (the layout of GB/T 9704 公文), nothing loaded from outside.

use crate::render::Letter;

const STYLE: &str = r#"@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0; color: #000; font-family: "仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "FangSong_GB2312", serif; font-size: 16pt; line-height: 28pt; }
.letter { width: 156mm; margin: 0 auto; }
h1 { font-family: "方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "宋体", "SimSun", serif; font-size: 22pt; line-height: 1.4; font-weight: normal; text-align: center; margin: 0 0 14pt; }
.number { text-align: center; margin: 0 0 28pt; }
p { margin: 0; text-align: justify; }
.recipient { text-indent: 0; }
.body { text-indent: 2em; }
.signature { text-align: right; margin-top: 56pt; padding-right: 2em; }
.date { text-align: right; padding-right: 2em; }
@media screen { body { padding: 20mm 0; } .letter { box-shadow: 0 0 4mm #bbb; padding: 37mm 26mm 35mm 28mm; width: 210mm; min-height: 297mm; } }
@media print { .letter { width: auto; } }"#;

/// The letter as a complete HTML page. Every piece of text is escaped, so
/// what a user typed can never become markup.
pub fn to_html(letter: &Letter) -> String {
    let mut h = String::with_capacity(4096);
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n", escape(&letter.title)));
    h.push_str("<main class=\"letter\">\n");
    h.push_str(&format!("<h1>{}</h1>\n", escape(&letter.title)));
    if !letter.number.trim().is_empty() {
        h.push_str(&format!("<p class=\"number\">{}</p>\n", escape(&letter.number)));
    }
    h.push_str(&format!("<p class=\"recipient\">{}：</p>\n", escape(&letter.recipient)));
    for p in &letter.paragraphs {
        h.push_str(&format!("<p class=\"body\">{}</p>\n", escape(p)));
    }
    h.push_str(&format!("<p class=\"signature\">{}</p>\n", escape(&letter.signature)));
    h.push_str(&format!("<p class=\"date\">{}</p>\n", escape(&letter.date)));
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// Escapes text for HTML element content and double-quoted attribute values.
fn escape(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}
