//! `/api/v1/users` (filter, sort, paginate) and `/api/v1/users/{id}`, rendered as JSON.

use std::cmp::Ordering;
use std::fmt::Write;

use crate::directory::{Directory, User};
use crate::http::Response;
use crate::json;
use crate::query;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 500;
/// `joined_day` counts from 2015-01-01, which is this many days after 1970-01-01.
const JOIN_EPOCH: i64 = 16_436;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Id,
    Name,
    Age,
    Score,
    Joined,
}

#[derive(Debug, PartialEq)]
struct ListParams {
    limit: usize,
    offset: usize,
    sort: SortKey,
    descending: bool,
    /// Lower-cased substring to find in names.
    q: Option<String>,
    department: Option<u32>,
    min_age: u8,
    max_age: u8,
    active: Option<bool>,
}

fn parse_params(dir: &Directory, raw: &str) -> Result<ListParams, String> {
    let mut p = ListParams {
        limit: DEFAULT_LIMIT,
        offset: 0,
        sort: SortKey::Id,
        descending: false,
        q: None,
        department: None,
        min_age: 0,
        max_age: u8::MAX,
        active: None,
    };
    for (key, value) in query::pairs(raw) {
        let number = |max: usize| {
            value
                .parse::<usize>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| format!("`{key}` must be an integer from 0 to {max}"))
        };
        match &*key {
            "limit" => p.limit = number(MAX_LIMIT)?,
            "offset" => p.offset = number(usize::MAX)?,
            "min_age" => p.min_age = number(255)? as u8,
            "max_age" => p.max_age = number(255)? as u8,
            "sort" => {
                p.sort = match &*value {
                    "id" => SortKey::Id,
                    "name" => SortKey::Name,
                    "age" => SortKey::Age,
                    "score" => SortKey::Score,
                    "joined" => SortKey::Joined,
                    _ => return Err("`sort` must be id, name, age, score or joined".into()),
                }
            }
            "order" => {
                p.descending = match &*value {
                    "asc" => false,
                    "desc" => true,
                    _ => return Err("`order` must be asc or desc".into()),
                }
            }
            "active" => {
                p.active = Some(match &*value {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err("`active` must be true or false".into()),
                })
            }
            "q" => p.q = Some(value.to_lowercase()).filter(|q| !q.is_empty()),
            "department" => {
                let id = dir
                    .department_id(&value)
                    .ok_or_else(|| format!("unknown department `{value}`"))?;
                p.department = Some(id);
            }
            _ => return Err(format!("unknown parameter `{key}`")),
        }
    }
    Ok(p)
}

impl ListParams {
    fn matches(&self, u: &User) -> bool {
        (self.min_age..=self.max_age).contains(&u.age)
            && self.department.is_none_or(|d| d == u.department)
            && self.active.is_none_or(|a| a == u.active)
            && self.q.as_deref().is_none_or(|q| u.name_lower.contains(q))
    }

    fn compare(&self, a: &User, b: &User) -> Ordering {
        let by_key = match self.sort {
            SortKey::Id => Ordering::Equal,
            SortKey::Name => a.name_lower.cmp(&b.name_lower),
            SortKey::Age => a.age.cmp(&b.age),
            SortKey::Score => a.score.total_cmp(&b.score),
            SortKey::Joined => a.joined_day.cmp(&b.joined_day),
        };
        // Ids break ties, so pages are stable.
        let order = by_key.then(a.id.cmp(&b.id));
        if self.descending {
            order.reverse()
        } else {
            order
        }
    }
}

/// `GET /api/v1/users?limit=&offset=&sort=&order=&q=&department=&min_age=&max_age=&active=`
pub fn list(dir: &Directory, raw_query: &str) -> Response {
    let params = match parse_params(dir, raw_query) {
        Ok(p) => p,
        Err(message) => return error(400, &message),
    };
    let mut hits: Vec<&User> = dir.users.iter().filter(|u| params.matches(u)).collect();
    let total = hits.len();
    let start = params.offset.min(total);
    let end = start.saturating_add(params.limit).min(total);
    // Only the requested page needs to be in order: partition around its end first.
    if end < total && end > 0 {
        hits.select_nth_unstable_by(end, |a, b| params.compare(a, b));
    }
    hits[..end].sort_unstable_by(|a, b| params.compare(a, b));

    let mut out = String::with_capacity(256 + 320 * (end - start));
    out.push('{');
    json::push_key(&mut out, "total");
    json::push_uint(&mut out, total as u64);
    out.push(',');
    json::push_key(&mut out, "offset");
    json::push_uint(&mut out, start as u64);
    out.push(',');
    json::push_key(&mut out, "limit");
    json::push_uint(&mut out, params.limit as u64);
    out.push(',');
    json::push_key(&mut out, "users");
    out.push('[');
    for (i, user) in hits[start..end].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        render_user(dir, user, &mut out);
    }
    out.push_str("]}");
    Response::json(200, out)
}

/// `GET /api/v1/users/{id}`
pub fn one(dir: &Directory, id: &str) -> Response {
    let Ok(id) = id.parse::<u32>() else {
        return error(400, "user id must be a number");
    };
    match dir.user(id) {
        Some(user) => {
            let mut out = String::with_capacity(320);
            render_user(dir, user, &mut out);
            Response::json(200, out)
        }
        None => error(404, &format!("no user with id {id}")),
    }
}

pub fn error(status: u16, message: &str) -> Response {
    let mut out = String::from("{");
    json::push_key(&mut out, "error");
    json::push_str(&mut out, message);
    out.push('}');
    Response::json(status, out)
}

fn render_user(dir: &Directory, u: &User, out: &mut String) {
    out.push('{');
    json::push_key(out, "id");
    json::push_uint(out, u64::from(u.id));
    for (key, value) in [("name", &u.name), ("email", &u.email)] {
        out.push(',');
        json::push_key(out, key);
        json::push_str(out, value);
    }
    out.push(',');
    json::push_key(out, "title");
    json::push_str(out, u.title);
    out.push(',');
    json::push_key(out, "age");
    json::push_uint(out, u64::from(u.age));
    out.push(',');
    json::push_key(out, "active");
    out.push_str(if u.active { "true" } else { "false" });
    out.push(',');
    json::push_key(out, "score");
    let _ = write!(out, "{:.2}", u.score);
    out.push(',');
    json::push_key(out, "department");
    match dir.department(u.department) {
        Some(d) => {
            out.push('{');
            json::push_key(out, "id");
            json::push_uint(out, u64::from(d.id));
            out.push(',');
            json::push_key(out, "name");
            json::push_str(out, d.name);
            out.push(',');
            json::push_key(out, "location");
            json::push_str(out, d.location);
            out.push('}');
        }
        None => out.push_str("null"),
    }
    out.push(',');
    json::push_key(out, "tags");
    out.push('[');
    for (i, tag) in u.tags.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::push_str(out, tag);
    }
    out.push_str("],");
    json::push_key(out, "joined");
    json::push_date(out, JOIN_EPOCH + i64::from(u.joined_day));
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response) -> String {
        String::from_utf8(r.body.clone()).unwrap()
    }

    #[test]
    fn pages_are_sorted_and_filtered() {
        let dir = Directory::generate(300, 1);
        let r = list(&dir, "limit=5&offset=3&sort=score&order=desc&min_age=30");
        assert_eq!(r.status, 200);
        let p = parse_params(&dir, "sort=score&order=desc&min_age=30").unwrap();
        let mut all: Vec<&User> = dir.users.iter().filter(|u| p.matches(u)).collect();
        all.sort_by(|a, b| p.compare(a, b));
        let text = body(&r);
        assert!(text.starts_with(&format!(
            "{{\"total\":{},\"offset\":3,\"limit\":5,",
            all.len()
        )));
        let ids: Vec<String> = all[3..8]
            .iter()
            .map(|u| format!("{{\"id\":{},", u.id))
            .collect();
        let mut at = 0;
        for id in ids {
            at += text[at..]
                .find(&id)
                .unwrap_or_else(|| panic!("{id} missing or out of order"));
        }
    }

    #[test]
    fn bad_parameters_are_400() {
        let dir = Directory::generate(10, 1);
        for q in [
            "limit=501",
            "sort=height",
            "department=moon",
            "nope=1",
            "active=maybe",
        ] {
            assert_eq!(list(&dir, q).status, 400, "{q}");
        }
        assert!(body(&list(&dir, "limit=x")).contains("`limit` must be an integer"));
    }

    #[test]
    fn single_user() {
        let dir = Directory::generate(10, 1);
        let id = dir.users[4].id;
        let r = one(&dir, &id.to_string());
        assert!(
            body(&r).starts_with(&format!("{{\"id\":{id},")),
            "{}",
            body(&r)
        );
        assert_eq!(one(&dir, "1").status, 404);
        assert_eq!(one(&dir, "abc").status, 400);
    }
}
