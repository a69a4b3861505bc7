//! `mockfix rules` and `mockfix explain RULE`: the rules of the current configuration, as a list
//! and one at a time.

use crate::app::load_settings;
use crate::cli::SettingsArgs;
use crate::config::{Rule, RuleSet};
use crate::run::ExitStatus;

/// Prints one line per rule: id, strategy, whether it is enabled, and its summary.
pub fn list(settings: &SettingsArgs) -> ExitStatus {
    let (_, rules) = match load_settings(settings) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    print!("{}", format_list(&rules));
    ExitStatus::Clean
}

fn format_list(rules: &RuleSet) -> String {
    let id_width = rules
        .rules
        .iter()
        .map(|rule| rule.id.len())
        .chain(["ID".len()])
        .max()
        .unwrap_or_default();
    let mut out = format!("{:id_width$}  {:8}  {:7}  SUMMARY\n", "ID", "STRATEGY", "ENABLED");
    for rule in &rules.rules {
        out.push_str(&format!(
            "{:id_width$}  {:8}  {:7}  {}\n",
            rule.id,
            rule.strategy.name(),
            if rule.enabled { "yes" } else { "no" },
            rule.summary
        ));
    }
    out
}

/// Prints the description and the example of the rule `id`.
pub fn explain(id: &str, settings: &SettingsArgs) -> ExitStatus {
    let (_, rules) = match load_settings(settings) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let Some(rule) = rules.get(id) else {
        eprintln!(
            "mockfix: unknown rule `{id}`; known rules are: {}. `mockfix rules` lists them",
            rules.ids().join(", ")
        );
        return ExitStatus::Error;
    };
    print!("{}", format_explanation(rule));
    ExitStatus::Clean
}

fn format_explanation(rule: &Rule) -> String {
    let mut out = format!(
        "{}\n\n{}\n\n{}\n\nStrategy: {}. Enabled: {}. Defined in {}.\n",
        rule.id,
        rule.summary,
        rule.description.trim_end(),
        rule.strategy.name(),
        if rule.enabled { "yes" } else { "no" },
        rule.file.display()
    );
    if let Some((before, after)) = &rule.example {
        out.push_str(&format!(
            "\nExample, before the fix:\n\n{}\nAfter the fix:\n\n{}",
            indent(before),
            indent(after)
        ));
    }
    out
}

fn indent(code: &str) -> String {
    code.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("    {line}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_every_builtin_rule() {
        let text = format_list(&RuleSet::builtin());
        assert!(text.starts_with("ID "), "{text}");
        for id in ["refcell-in-shared-double", "split-atomic-update-in-double"] {
            assert!(
                text.lines().any(|line| line.starts_with(id)),
                "{id} missing from:\n{text}"
            );
        }
    }

    #[test]
    fn explanation_shows_example() {
        let rules = RuleSet::builtin();
        let text = format_explanation(rules.get("refcell-in-shared-double").unwrap());
        assert!(text.contains("Example, before the fix:"), "{text}");
        assert!(text.contains("    sent: Mutex<Vec<String>>,"), "{text}");
    }
}
