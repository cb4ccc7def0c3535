//! Traditional → simplified for the characters ogi matches (labels,
//! headings, title and prose patterns). Mirror sites republish reports in
//! traditional characters; folding these is enough to find every table row.
//! Generated from OpenCC's TSCharacters (Apache-2.0), restricted to the
//! characters that occur in ogi's own patterns.

/// (traditional, simplified), sorted by the traditional character.
pub static PAIRS: &[(char, char)] = TABLE;

const TABLE: &[(char, char)] = &[
    ('佈', '布'),
    ('佔', '占'),
    ('來', '来'),
    ('侷', '局'),
    ('係', '系'),
    ('個', '个'),
    ('傢', '家'),
    ('傳', '传'),
    ('內', '内'),
    ('別', '别'),
    ('劃', '划'),
    ('動', '动'),
    ('務', '务'),
    ('區', '区'),
    ('卻', '却'),
    ('問', '问'),
    ('單', '单'),
    ('噹', '当'),
    ('國', '国'),
    ('圖', '图'),
    ('埰', '采'),
    ('執', '执'),
    ('報', '报'),
    ('場', '场'),
    ('寀', '采'),
    ('實', '实'),
    ('審', '审'),
    ('寫', '写'),
    ('寶', '宝'),
    ('對', '对'),
    ('屬', '属'),
    ('廢', '废'),
    ('張', '张'),
    ('強', '强'),
    ('彆', '别'),
    ('後', '后'),
    ('復', '复'),
    ('應', '应'),
    ('懷', '怀'),
    ('捲', '卷'),
    ('採', '采'),
    ('據', '据'),
    ('數', '数'),
    ('斷', '断'),
    ('於', '于'),
    ('時', '时'),
    ('會', '会'),
    ('朮', '术'),
    ('査', '查'),
    ('條', '条'),
    ('業', '业'),
    ('構', '构'),
    ('標', '标'),
    ('機', '机'),
    ('檯', '台'),
    ('欄', '栏'),
    ('權', '权'),
    ('決', '决'),
    ('沒', '没'),
    ('況', '况'),
    ('減', '减'),
    ('滿', '满'),
    ('為', '为'),
    ('無', '无'),
    ('爲', '为'),
    ('獲', '获'),
    ('現', '现'),
    ('畢', '毕'),
    ('當', '当'),
    ('發', '发'),
    ('眞', '真'),
    ('確', '确'),
    ('礙', '碍'),
    ('祕', '秘'),
    ('種', '种'),
    ('稱', '称'),
    ('穩', '稳'),
    ('穫', '获'),
    ('筆', '笔'),
    ('箇', '个'),
    ('範', '范'),
    ('簡', '简'),
    ('糾', '纠'),
    ('納', '纳'),
    ('組', '组'),
    ('結', '结'),
    ('統', '统'),
    ('經', '经'),
    ('綜', '综'),
    ('維', '维'),
    ('網', '网'),
    ('緻', '致'),
    ('總', '总'),
    ('織', '织'),
    ('繫', '系'),
    ('繳', '缴'),
    ('繼', '继'),
    ('續', '续'),
    ('纍', '累'),
    ('罰', '罚'),
    ('臺', '台'),
    ('與', '与'),
    ('舉', '举'),
    ('莊', '庄'),
    ('萬', '万'),
    ('處', '处'),
    ('號', '号'),
    ('術', '术'),
    ('衕', '同'),
    ('補', '补'),
    ('製', '制'),
    ('複', '复'),
    ('規', '规'),
    ('計', '计'),
    ('訟', '讼'),
    ('訪', '访'),
    ('許', '许'),
    ('訴', '诉'),
    ('詢', '询'),
    ('話', '话'),
    ('該', '该'),
    ('認', '认'),
    ('誤', '误'),
    ('請', '请'),
    ('識', '识'),
    ('議', '议'),
    ('護', '护'),
    ('讀', '读'),
    ('負', '负'),
    ('費', '费'),
    ('資', '资'),
    ('購', '购'),
    ('踰', '逾'),
    ('較', '较'),
    ('轉', '转'),
    ('辦', '办'),
    ('這', '这'),
    ('連', '连'),
    ('進', '进'),
    ('過', '过'),
    ('郵', '邮'),
    ('鈡', '钟'),
    ('錯', '错'),
    ('錶', '表'),
    ('鍾', '钟'),
    ('鎭', '镇'),
    ('鎮', '镇'),
    ('鐘', '钟'),
    ('開', '开'),
    ('間', '间'),
    ('閤', '合'),
    ('闆', '板'),
    ('關', '关'),
    ('電', '电'),
    ('項', '项'),
    ('順', '顺'),
    ('題', '题'),
    ('額', '额'),
    ('類', '类'),
    ('颱', '台'),
    ('驗', '验'),
    ('體', '体'),
    ('髮', '发'),
    ('麪', '面'),
    ('麫', '面'),
    ('麵', '面'),
    ('齊', '齐'),
    ('齣', '出'),
];

/// One bit per value of a char's low 12 bits: set when a traditional
/// character of the table has them. Most Chinese text is simplified already,
/// and its characters fall in the table's range: the bit spares them the
/// binary search (this runs on every character of every report).
static MAYBE: [u64; 64] = {
    let mut bits = [0u64; 64];
    let mut i = 0;
    while i < TABLE.len() {
        let low = TABLE[i].0 as usize & 0xFFF;
        bits[low / 64] |= 1 << (low % 64);
        i += 1;
    }
    bits
};

/// The simplified form of `c` when it is one of the matched characters.
pub fn simplify(c: char) -> char {
    // Most characters are outside the table's range: skip the search.
    if c < PAIRS[0].0 || c > PAIRS[PAIRS.len() - 1].0 {
        return c;
    }
    let low = c as usize & 0xFFF;
    if MAYBE[low / 64] & (1 << (low % 64)) == 0 {
        return c;
    }
    match PAIRS.binary_search_by(|p| p.0.cmp(&c)) {
        Ok(i) => PAIRS[i].1,
        Err(_) => c,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bitmap_skips_only_chars_not_in_the_table() {
        assert!(super::PAIRS.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let searched = super::PAIRS.binary_search_by(|p| p.0.cmp(&c)).map_or(c, |i| super::PAIRS[i].1);
            assert_eq!(super::simplify(c), searched, "{c:?}");
        }
    }
}
