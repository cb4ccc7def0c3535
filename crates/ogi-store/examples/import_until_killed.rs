//! The child process of the kill test (`tests/sqlite.rs`): imports batches of
//! 200 requests into the database named by its argument until it is killed,
//! printing the count after each committed batch.
use ogi_rules::request::Channel;
use ogi_store::{Database, NewRequest};
use ogi_vocab::cells::ApplicantColumn;

fn main() {
    let path = std::env::args().nth(1).expect("usage: import_until_killed DB");
    let mut s = Database::open(std::path::Path::new(&path)).expect("open");
    let cal = ogi_rules::Calendar::embedded();
    let mut total = 0;
    loop {
        let batch: Vec<NewRequest> = (0..200)
            .map(|_| NewRequest {
                channel: Channel::InPerson,
                applicant: ApplicantColumn::Commercial,
                arrived: "2024-05-06".parse().expect("date"),
                confirmed: None,
                summary: "批量导入".into(),
                applicant_name: "某公司".into(),
                contact: String::new(),
            })
            .collect();
        s.create_many(batch, "导入", &cal).expect("import");
        total += 200;
        println!("committed {total}");
    }
}
