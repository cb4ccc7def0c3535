use crate::flat::Flat;
pub fn read(_bytes: &[u8]) -> Result<Flat, String> {
    Err("DOCX 读取尚未实现".into())
}
