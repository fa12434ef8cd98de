//! The slash commands' descriptions come from the app's command catalogue, and a
//! test checks every registered command against it: names, options, types, required
//! flags, choices and limits.

use crate::app::catalogue;

use super::{Data, Error};

/// Gives each command and option its catalogue text. A parent (`/group`) is described
/// by its subcommands' names.
pub fn describe(commands: &mut [poise::Command<Data, Error>]) {
    for command in commands {
        describe_one(command, "");
    }
}

fn describe_one(command: &mut poise::Command<Data, Error>, prefix: &str) {
    let path = format!("{prefix}{}", command.name);
    if command.subcommands.is_empty() {
        if let Some(entry) = catalogue::find(&path) {
            command.description = Some(entry.summary.into());
            for parameter in &mut command.parameters {
                if let Some(option) = entry.option(&parameter.name) {
                    parameter.description = Some(option.help.into());
                }
            }
        }
        return;
    }
    let mut names: Vec<String> = command.subcommands.iter().map(|c| c.name.to_string()).collect();
    // Discord takes at most 100 characters: a long list (/rota) ends with "…".
    let mut description = format!("/{path}: {}", names.join(", "));
    while description.chars().count() > 100 && names.len() > 1 {
        names.pop();
        description = format!("/{path}: {}, …", names.join(", "));
    }
    command.description = Some(description.into());
    for sub in &mut command.subcommands {
        describe_one(sub, &format!("{path} "));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::app::catalogue::{Command, Kind, COMMANDS};

    /// Each leaf command as Discord receives it, by its path.
    fn registered() -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for command in super::super::command_list() {
            let json = serde_json::to_value(command.create_as_slash_command().expect("a slash command"))
                .expect("serialisable");
            walk(&json, "", &mut out);
        }
        out
    }

    fn walk(node: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
        let path = format!("{prefix}{}", node["name"].as_str().unwrap_or_default());
        let options = node["options"].as_array().cloned().unwrap_or_default();
        // Option types 1 and 2 are a subcommand and a subcommand group.
        let subs: Vec<&Value> = options
            .iter()
            .filter(|o| matches!(o["type"].as_u64(), Some(1 | 2)))
            .collect();
        if subs.is_empty() {
            out.push((path, node.clone()));
        } else {
            for sub in subs {
                walk(sub, &format!("{path} "), out);
            }
        }
    }

    const DISCORD_MAX_INT: f64 = 9_007_199_254_740_991.0;

    /// Discord's option type numbers.
    fn discord_type(kind: Kind) -> u64 {
        match kind {
            Kind::Text(_) | Kind::Word { .. } => 3,
            Kind::Int { .. } | Kind::Choice(_) => 4, // poise sends a choice as its index
            Kind::YesNo => 5,
            Kind::Channel => 7,
            Kind::Role => 8,
            Kind::User => 6,
        }
    }

    fn check(command: &Command, registered: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let path = command.path;
        if registered["description"] != command.summary {
            problems.push(format!("/{path}: description {}", registered["description"]));
        }
        let options = registered["options"].as_array().cloned().unwrap_or_default();
        let names: Vec<&str> = options.iter().filter_map(|o| o["name"].as_str()).collect();
        let expected: Vec<&str> = command.options.iter().map(|o| o.name).collect();
        if names != expected {
            problems.push(format!("/{path}: options {names:?}, catalogue {expected:?}"));
            return problems;
        }
        for (option, json) in command.options.iter().zip(&options) {
            let name = option.name;
            let required = json["required"].as_bool().unwrap_or(false);
            if required != option.required {
                problems.push(format!("/{path} {name}: required {required}"));
            }
            if json["description"] != option.help {
                problems.push(format!("/{path} {name}: description {}", json["description"]));
            }
            if json["type"].as_u64() != Some(discord_type(option.kind)) {
                problems.push(format!("/{path} {name}: type {}", json["type"]));
            }
            match option.kind {
                Kind::Choice(choices) => {
                    let shown: Vec<&str> = json["choices"]
                        .as_array()
                        .map(|c| c.iter().filter_map(|c| c["name"].as_str()).collect())
                        .unwrap_or_default();
                    let labels: Vec<&str> = choices.iter().map(|c| c.label).collect();
                    if shown != labels {
                        problems.push(format!("/{path} {name}: choices {shown:?}, catalogue {labels:?}"));
                    }
                }
                Kind::Int { min, max } => {
                    // Discord's integers stop at 2^53 - 1: "no upper limit" is that.
                    let max = if max == i64::MAX {
                        DISCORD_MAX_INT
                    } else {
                        max as f64
                    };
                    if json["min_value"].as_f64() != Some(min as f64) {
                        problems.push(format!("/{path} {name}: min {}", json["min_value"]));
                    }
                    if json["max_value"].as_f64() != Some(max) {
                        problems.push(format!("/{path} {name}: max {}", json["max_value"]));
                    }
                }
                Kind::Text(field) => {
                    if json["max_length"].as_u64() != Some(field.max() as u64) {
                        problems.push(format!(
                            "/{path} {name}: max_length {}, the text rule says {}",
                            json["max_length"],
                            field.max()
                        ));
                    }
                }
                Kind::Word { .. } | Kind::YesNo | Kind::Channel | Kind::Role | Kind::User => {}
            }
        }
        problems
    }

    #[test]
    fn every_discord_command_matches_the_catalogue_and_every_catalogue_command_is_registered() {
        let registered = registered();
        let mut problems = Vec::new();
        for (path, json) in &registered {
            match COMMANDS.iter().find(|c| c.path == path) {
                Some(command) if command.on_discord => problems.extend(check(command, json)),
                Some(_) => problems.push(format!("/{path} is registered but marked console-only")),
                None => problems.push(format!("/{path} is registered but not in the catalogue")),
            }
        }
        for command in COMMANDS.iter().filter(|c| c.on_discord) {
            if !registered.iter().any(|(path, _)| path == command.path) {
                problems.push(format!(
                    "/{} is in the catalogue but not registered",
                    command.path
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn a_parent_command_is_described_by_its_subcommands() {
        let registered: Vec<Value> = super::super::command_list()
            .iter()
            .filter_map(|c| c.create_as_slash_command())
            .map(|c| serde_json::to_value(c).expect("serialisable"))
            .collect();
        let group = registered.iter().find(|c| c["name"] == "group").expect("/group");
        assert_eq!(group["description"], "/group: create, edit, list, info, archive");
    }
}
