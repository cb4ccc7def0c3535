//! ogi's own JSON (what `ogi report parse --format json` prints), so a
//! parsed or generated report reads back as it was.

use crate::model::Report;

pub fn read(bytes: &[u8]) -> Result<Report, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("不是 ogi 的报告 JSON：{e}"))
}
