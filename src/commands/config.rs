//! `mockfix config`: the effective configuration of a run in TOML, each value followed by a
//! comment naming where it came from.

use std::fmt::Write;

use crate::app::load_settings;
use crate::cli::SettingsArgs;
use crate::config::project::{FixOverrides, Layer, Located, Origin, ProjectSettings};
use crate::config::RuleSet;
use crate::run::ExitStatus;

/// Prints the effective configuration.
pub fn run(settings: &SettingsArgs) -> ExitStatus {
    let (project, rules) = match load_settings(settings) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    print!("{}", format_config(&project, &rules));
    ExitStatus::Clean
}

fn format_config(project: &ProjectSettings, rules: &RuleSet) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Effective mockfix configuration. Project root: {}",
        project.root.display()
    );
    let _ = writeln!(out, "# Sources, highest precedence first:");
    for layer in &project.layers {
        let _ = writeln!(out, "#   {}", layer.origin);
    }
    let _ = writeln!(out);

    let rule_paths = project.effective(|layer| layer.rules.as_ref());
    let paths: Vec<String> = rule_paths
        .map(|(paths, _)| paths.value.iter().map(|path| path.display().to_string()).collect())
        .unwrap_or_default();
    line(&mut out, "rules", &string_array(&paths), origin_of(rule_paths));
    let default_rules = if project.no_default_rules {
        ("false", &Origin::CommandLine)
    } else {
        ("true", &Origin::Default)
    };
    line(&mut out, "default_rules", default_rules.0, default_rules.1);
    let lists: [(&str, ListPick); 3] = [
        ("select", |layer| layer.select.as_ref()),
        ("ignore", |layer| layer.ignore.as_ref()),
        ("exclude", |layer| layer.exclude.as_ref()),
    ];
    for (key, pick) in lists {
        let found = project.effective(pick);
        let values: Vec<String> = found
            .map(|(list, _)| list.value.iter().map(|item| item.value.clone()).collect())
            .unwrap_or_default();
        let origin = match (key, found) {
            ("select", None) => "default: every rule that its rule file enables".to_string(),
            _ => origin_of(found).to_string(),
        };
        line(&mut out, key, &string_array(&values), &origin);
    }

    for rule in &rules.rules {
        let rule_file = Origin::RuleFile(rule.file.clone());
        let _ = writeln!(out, "\n[rule.{}]", rule.id);
        let enabled_origin = enabled_origin(project, &rule.id).unwrap_or(&rule_file);
        line(&mut out, "enabled", &rule.enabled.to_string(), enabled_origin);
        // The first layer that overrides the option, else the rule file.
        let option = |is_set: fn(&FixOverrides) -> bool| {
            project
                .layers
                .iter()
                .find(|layer| layer.overrides.get(&rule.id).is_some_and(is_set))
                .map(|layer| &layer.origin)
                .unwrap_or(&rule_file)
        };
        line(
            &mut out,
            "strategy",
            &quoted(rule.strategy.name()),
            option(|o| o.strategy.is_some()),
        );
        line(
            &mut out,
            "lock",
            &quoted(rule.lock.name()),
            option(|o| o.lock.is_some()),
        );
        // The rule file alone sets `async_lock`: project layers cannot override it.
        line(&mut out, "async_lock", &quoted(rule.async_lock.name()), &rule_file);
        line(
            &mut out,
            "guard_field",
            &quoted(&rule.guard_field),
            option(|o| o.guard_field.is_some()),
        );
        line(
            &mut out,
            "guard_binding",
            &quoted(&rule.guard_binding),
            option(|o| o.guard_binding.is_some()),
        );
        line(
            &mut out,
            "ordering",
            &quoted(rule.ordering.name()),
            option(|o| o.ordering.is_some()),
        );
    }
    out
}

/// Picks one list setting of a layer.
type ListPick = for<'a> fn(&'a Layer) -> Option<&'a Located<Vec<Located<String>>>>;

/// Finds the layer whose `ignore` or `select` decided whether rule `id` is enabled.
fn enabled_origin<'a>(project: &'a ProjectSettings, id: &str) -> Option<&'a Origin> {
    let lists = |list: Option<(&'a Located<Vec<Located<String>>>, &'a Layer)>| {
        list.filter(|(values, _)| values.value.iter().any(|value| value.value == id))
            .map(|(_, layer)| &layer.origin)
    };
    lists(project.effective(|layer| layer.ignore.as_ref()))
        .or_else(|| lists(project.effective(|layer| layer.select.as_ref())))
        .or_else(|| {
            project
                .effective(|layer| layer.select.as_ref())
                .map(|(_, layer)| &layer.origin)
        })
}

fn origin_of<'a, T>(found: Option<(&T, &'a Layer)>) -> &'a Origin {
    found.map_or(&Origin::Default, |(_, layer)| &layer.origin)
}

fn line(out: &mut String, key: &str, value: &str, origin: &impl std::fmt::Display) {
    let _ = writeln!(out, "{key} = {value}  # {origin}");
}

fn quoted(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_string()
}

fn string_array(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|value| quoted(value)).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::project::CommandLineSettings;

    #[test]
    fn shows_value_and_origin() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(
            folder.path().join("mockfix.toml"),
            "exclude = [\"src/**\"]\n[rule.refcell-in-shared-double]\nlock = \"ignore-poison\"\n",
        )
        .unwrap();
        let cli = CommandLineSettings {
            ignore: vec!["split-atomic-update-in-double".to_string()],
            ..CommandLineSettings::default()
        };
        let project = ProjectSettings::discover(folder.path(), &cli).unwrap();
        let rules = project.rule_set().unwrap();
        let text = format_config(&project, &rules);
        let config_file = crate::workspace::absolute(&folder.path().join("mockfix.toml"));
        assert!(
            text.contains(&format!("exclude = [\"src/**\"]  # {}", config_file.display())),
            "{text}"
        );
        assert!(
            text.contains(&format!("lock = \"ignore-poison\"  # {}", config_file.display())),
            "{text}"
        );
        assert!(
            text.contains("strategy = \"wrap\"  # rule file <built-in>/refcell-in-shared-double.toml"),
            "{text}"
        );
        assert!(
            text.contains("ignore = [\"split-atomic-update-in-double\"]  # command line"),
            "{text}"
        );
        let atomic = text.split("[rule.split-atomic-update-in-double]").nth(1).unwrap();
        assert!(atomic.contains("enabled = false  # command line"), "{text}");
    }
}
