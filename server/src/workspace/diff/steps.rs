//! A router's steps compared. They are aligned on the steps that stayed the
//! same, so one step inserted reads as one step added, not as every later
//! one changed; a changed step names the fields that changed in it.

use serde_json::Value;

use super::fields;
use crate::workspace::document::Step;

/// Past this many step pairs, steps are compared by position only.
const ALIGNED: usize = 250_000;

/// `step 2 (insert as post)`: numbered from 1, as the router builder shows them.
fn label(step: &Step, index: usize) -> String {
    match &step.name {
        Some(name) => format!("step {} ({} as {name})", index + 1, step.action.kind()),
        None => format!("step {} ({})", index + 1, step.action.kind()),
    }
}

/// The step as one flat object: `as`, `if` and its action's own fields.
fn fields_of(step: &Step) -> Value {
    let mut value = serde_json::to_value(step).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value
        && let Some(Value::Object(action)) = map.remove(step.action.kind())
    {
        map.extend(action);
    }
    value
}

fn changed(before: &Step, after: &Step, index: usize, out: &mut Vec<String>) {
    let label = label(after, index);
    if before.action.kind() != after.action.kind() {
        out.push(format!("{label}: was a {} step", before.action.kind()));
        return;
    }
    out.extend(fields::lines("", &fields_of(before), &fields_of(after)).into_iter().map(|line| format!("{label} {line}")));
}

/// Pairs of (old index, new index) of equal steps, in order: a longest
/// common subsequence. Past `ALIGNED` pairs, none (compared by position).
fn common(old: &[Step], new: &[Step]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > ALIGNED {
        return Vec::new();
    }
    // longest[i][j]: the longest common run of old[i..] and new[j..].
    let mut longest = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            longest[i][j] = if old[i] == new[j] { longest[i + 1][j + 1] + 1 } else { longest[i + 1][j].max(longest[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if old[i] == new[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if longest[i + 1][j] >= longest[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// One line per step added, removed, or changed (one per field changed).
pub fn lines(old: &[Step], new: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    // Between two equal steps (and after the last), the steps left over
    // are paired by position as changed; what is left is added or removed.
    for (next_i, next_j) in common(old, new).into_iter().chain([(old.len(), new.len())]) {
        let paired = (next_i - i).min(next_j - j);
        for k in 0..paired {
            changed(&old[i + k], &new[j + k], j + k, &mut out);
        }
        for (index, step) in old.iter().enumerate().take(next_i).skip(i + paired) {
            out.push(format!("{} removed", label(step, index)));
        }
        for (index, step) in new.iter().enumerate().take(next_j).skip(j + paired) {
            out.push(format!("{} added", label(step, index)));
        }
        (i, j) = (next_i + 1, next_j + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn steps(value: serde_json::Value) -> Vec<Step> {
        serde_json::from_value(value).expect("steps")
    }

    #[test]
    fn a_changed_step_names_its_fields() {
        let old =
            steps(json!([{ "as": "note", "insert": { "table": "notes", "values": { "title": "${request.body.title}" } } }, { "respond": { "status": 201 } }]));
        let new =
            steps(json!([{ "as": "note", "insert": { "table": "notes", "values": { "title": "${request.body.name}" } } }, { "respond": { "status": 200 } }]));
        assert_eq!(
            lines(&old, &new),
            ["step 1 (insert as note) values.title: \"${request.body.title}\" → \"${request.body.name}\"", "step 2 (respond) status: 201 → 200"]
        );
    }

    #[test]
    fn an_inserted_step_is_one_step_added() {
        let old = steps(json!([{ "get": { "table": "t", "id": 1 } }, { "respond": { "status": 200 } }]));
        let new = steps(json!([
            { "get": { "table": "t", "id": 1 } },
            { "check": { "condition": "true", "status": 403, "message": "no" } },
            { "respond": { "status": 200 } }
        ]));
        assert_eq!(lines(&old, &new), ["step 2 (check) added"]);
        assert_eq!(lines(&new, &old), ["step 2 (check) removed"]);
    }

    #[test]
    fn a_step_of_another_kind_says_what_it_was() {
        let old = steps(json!([{ "as": "post", "get": { "table": "t", "id": 1 } }]));
        let new = steps(json!([{ "as": "post", "delete": { "table": "t", "id": 1 } }, { "respond": { "status": 204 } }]));
        assert_eq!(lines(&old, &new), ["step 1 (delete as post): was a get step", "step 2 (respond) added"]);
    }
}
