//! Whose data a connection reads and writes (issue 13). Every query over
//! agency data takes its filter from here, so that "who sees what" is decided
//! in one place: a user sees their own agency; a supervisor (and an
//! administrator, for accounts) also sees every agency below it, read-only;
//! nobody sees sideways or upward. The register's operator at the command
//! line sees everything.

/// The root of a one-agency install: its data before agencies existed.
pub const ROOT_AGENCY: i64 = 1;

/// The operator's scope as a place to borrow from (migrations).
pub(crate) static EVERYTHING: Scope = Scope::OPERATOR;

/// How far a scope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The operator at the command line (or a migration): every agency.
    Everything,
    /// The agency itself.
    Own,
    /// The agency and every agency below it (the lower ones read-only).
    Below,
    /// Nothing of any agency: the public side and sign-in (they reach their
    /// rows by a secret: a tracking code's hash, a session token).
    Nobody,
}

/// A connection's scope: the agency it writes for and how far it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    agency: i64,
    /// The agency's place in the tree, `/1/5/` (ids from the root down).
    path: String,
    reach: Reach,
}

impl Scope {
    /// The operator's scope: reads everything, registers into the root agency.
    pub const OPERATOR: Scope = Scope { agency: ROOT_AGENCY, path: String::new(), reach: Reach::Everything };
    /// The public side's scope: no agency's data except through a secret.
    pub const PUBLIC: Scope = Scope { agency: ROOT_AGENCY, path: String::new(), reach: Reach::Nobody };

    /// The operator, registering into `agency`.
    pub fn operator_in(agency: i64) -> Scope {
        Scope { agency, path: String::new(), reach: Reach::Everything }
    }

    /// The public side, filing into `agency`.
    pub fn public_in(agency: i64) -> Scope {
        Scope { agency, path: String::new(), reach: Reach::Nobody }
    }

    /// An applicant holding a (checked) tracking code of a request made to
    /// `agency`: reads that agency's rows and no other's, as the page shows
    /// only the one request the code names.
    pub fn code_holder_in(agency: i64) -> Scope {
        Scope { agency, path: String::new(), reach: Reach::Own }
    }

    /// A user of the agency at `path` (as stored: `/1/5/`).
    pub fn agency(agency: i64, path: &str, below: bool) -> Scope {
        // The path is spliced into SQL: only digits and slashes are kept
        // (it is built by the store from ids, so nothing is ever dropped).
        let path: String = path.chars().filter(|c| c.is_ascii_digit() || *c == '/').collect();
        let reach = match (below, path.is_empty()) {
            (true, false) => Reach::Below,
            _ => Reach::Own,
        };
        Scope { agency, path, reach }
    }

    /// The agency this scope writes for.
    pub fn agency_id(&self) -> i64 {
        self.agency
    }

    pub fn reach(&self) -> Reach {
        self.reach
    }

    /// A condition on the column `col` holding an agency id: true for the
    /// agencies this scope reads. Ids and paths are numbers and slashes only.
    pub fn visible(&self, col: &str) -> String {
        match self.reach {
            Reach::Everything => "1 = 1".into(),
            Reach::Own => format!("{col} = {}", self.agency),
            Reach::Below => format!("{col} IN (SELECT id FROM agencies WHERE path LIKE '{}%')", self.path),
            Reach::Nobody => "1 = 0".into(),
        }
    }

    /// Whether this scope may change data of `agency` (only its own; the
    /// operator anything; the public side only through its secrets).
    pub fn may_write(&self, agency: i64) -> bool {
        match self.reach {
            Reach::Everything => true,
            Reach::Own | Reach::Below => agency == self.agency,
            Reach::Nobody => false,
        }
    }

    /// Whether this scope reads `agency` at `path` (as stored).
    pub fn reads(&self, agency: i64, path: &str) -> bool {
        match self.reach {
            Reach::Everything => true,
            Reach::Own => agency == self.agency,
            Reach::Below => path.starts_with(&self.path),
            Reach::Nobody => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supervisor_reads_below_and_writes_only_its_own() {
        let s = Scope::agency(5, "/1/5/", true);
        assert!(s.reads(5, "/1/5/") && s.reads(9, "/1/5/9/") && s.reads(12, "/1/5/9/12/"));
        assert!(!s.reads(1, "/1/") && !s.reads(6, "/1/6/") && !s.reads(51, "/1/51/"));
        assert!(s.may_write(5) && !s.may_write(9) && !s.may_write(1));
        assert_eq!(s.visible("agency_id"), "agency_id IN (SELECT id FROM agencies WHERE path LIKE '/1/5/%')");
    }

    #[test]
    fn a_clerk_reads_only_its_own_and_nothing_leaks_into_sql() {
        let s = Scope::agency(7, "/1/7/'; DROP TABLE requests; --", false);
        assert_eq!(s.visible("r.agency_id"), "r.agency_id = 7");
        assert!(!s.reads(8, "/1/7/8/"));
        let s = Scope::agency(7, "/1/7/' OR '1'='1", true);
        assert_eq!(s.visible("agency_id"), "agency_id IN (SELECT id FROM agencies WHERE path LIKE '/1/7/11%')");
        assert_eq!(Scope::PUBLIC.visible("agency_id"), "1 = 0");
        assert!(!Scope::PUBLIC.may_write(ROOT_AGENCY));
    }
}
