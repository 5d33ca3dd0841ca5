//! The in-memory data the API serves: users and departments, generated deterministically
//! at start-up, with the hash-map indexes the handlers look things up in.

use std::collections::HashMap;

pub struct Department {
    pub id: u32,
    pub name: &'static str,
    pub location: &'static str,
}

pub struct User {
    pub id: u32,
    pub name: String,
    /// Lower-cased `name`, the search index for `?q=`.
    pub name_lower: String,
    pub email: String,
    pub title: &'static str,
    pub age: u8,
    pub department: u32,
    pub score: f64,
    pub active: bool,
    pub tags: Vec<&'static str>,
    /// Days since 2015-01-01.
    pub joined_day: u32,
}

pub struct Directory {
    /// Ordered by id.
    pub users: Vec<User>,
    by_id: HashMap<u32, usize>,
    departments: HashMap<u32, Department>,
    department_ids: HashMap<&'static str, u32>,
}

const FIRST: &[&str] = &[
    "Ada",
    "Björn",
    "Chloé",
    "Dmitri",
    "Eve",
    "François",
    "Grace",
    "Hiro",
    "Inès",
    "José",
    "Kai",
    "Léa",
    "Mo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quinn",
    "Rafael",
    "Sofía",
    "Tomás",
    "Uma",
    "Viktor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoë",
];
const LAST: &[&str] = &[
    "O'Brien",
    "Smith",
    "Nguyen",
    "García",
    "Müller",
    "Kowalski",
    "Ivanov",
    "Tanaka",
    "Dubois",
    "Rossi",
    "Silva",
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Park",
    "Fernández",
];
/// Titles with characters JSON must escape.
const TITLES: &[&str] = &[
    "Engineer",
    "Senior \"Rust\" Engineer",
    "SRE \\ on-call",
    "Product Manager",
    "Designer\t(UX)",
    "Data Scientist",
    "Support — EMEA",
    "Intern\n(summer)",
];
const TAGS: &[&str] = &[
    "rust",
    "go",
    "oncall",
    "remote",
    "mentor",
    "kubernetes",
    "frontend",
    "backend",
    "ml",
    "security",
];
const DEPARTMENTS: &[(&str, &str)] = &[
    ("platform", "Berlin"),
    ("payments", "London"),
    ("search", "Zürich"),
    ("mobile", "Lisbon"),
    ("data", "Toronto"),
    ("support", "Manila"),
    ("security", "Tel Aviv"),
];

impl Directory {
    /// Builds `count` users from `seed`; the same inputs always give the same directory.
    pub fn generate(count: usize, seed: u64) -> Directory {
        let mut rng = SplitMix(seed);
        let departments: HashMap<u32, Department> = DEPARTMENTS
            .iter()
            .enumerate()
            .map(|(i, &(name, location))| {
                let id = 10 + i as u32;
                (id, Department { id, name, location })
            })
            .collect();
        let department_ids = departments.values().map(|d| (d.name, d.id)).collect();
        let mut users = Vec::with_capacity(count);
        for i in 0..count {
            let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
            let name = format!("{first} {last}");
            let email = format!(
                "{}.{}{}@example.com",
                ascii_handle(first),
                ascii_handle(last),
                i % 97
            );
            let tags = (0..rng.below(4))
                .map(|_| rng.pick(TAGS))
                .collect::<Vec<_>>();
            users.push(User {
                // Sparse ids, so lookups really need the index.
                id: 1000 + (i as u32) * 7,
                name_lower: name.to_lowercase(),
                name,
                email,
                title: rng.pick(TITLES),
                age: 18 + rng.below(50) as u8,
                department: 10 + rng.below(DEPARTMENTS.len() as u64) as u32,
                score: rng.below(10_000) as f64 / 100.0,
                active: rng.below(10) < 8,
                tags,
                joined_day: rng.below(3650) as u32,
            });
        }
        let by_id = users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        Directory {
            users,
            by_id,
            departments,
            department_ids,
        }
    }

    pub fn user(&self, id: u32) -> Option<&User> {
        self.by_id.get(&id).map(|&i| &self.users[i])
    }

    pub fn department(&self, id: u32) -> Option<&Department> {
        self.departments.get(&id)
    }

    pub fn department_id(&self, name: &str) -> Option<u32> {
        self.department_ids.get(name).copied()
    }
}

/// `"Müller"` → `"mller"`, `"O'Brien"` → `"obrien"`: what goes before the `@`.
fn ascii_handle(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A tiny deterministic PRNG, so the data needs no files and no dependencies.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_indexed() {
        let a = Directory::generate(50, 3);
        let b = Directory::generate(50, 3);
        assert_eq!(a.users[17].name, b.users[17].name);
        let u = &a.users[17];
        assert_eq!(a.user(u.id).map(|x| x.id), Some(u.id));
        assert!(a.user(u.id + 1).is_none());
        assert!(a.department(u.department).is_some());
        assert_eq!(a.department_id("search"), Some(12));
    }
}
