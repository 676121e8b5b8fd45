//! The pest parser generated from `grammar/dxmap.pest`: the only file that
//! names pest's derive. Also the user-facing names of grammar rules, used in
//! syntax errors ("expected a disposition code", not `dx_code`).
//!
//! Imports: pest only.

#![allow(
    missing_docs,
    reason = "pest_derive generates the `Rule` enum; its variants are documented in the grammar"
)]

use pest_derive::Parser;

/// The parser for `.dxm` files.
#[derive(Parser)]
#[grammar = "../grammar/dxmap.pest"]
pub struct DxmParser;

/// Whether a pair is a keyword or punctuation: lowering skips these.
pub fn is_token(kind: Rule) -> bool {
    matches!(
        kind,
        Rule::lbrace
            | Rule::rbrace
            | Rule::lparen
            | Rule::rparen
            | Rule::comma
            | Rule::eq
            | Rule::gt
            | Rule::arrow
            | Rule::kw_release
            | Rule::kw_skill
            | Rule::kw_has
            | Rule::kw_lacks
            | Rule::kw_calendar
            | Rule::kw_service_type
            | Rule::kw_responds_within
            | Rule::kw_channels
            | Rule::kw_requires
            | Rule::kw_returns
            | Rule::kw_group
            | Rule::kw_rule
            | Rule::kw_when
            | Rule::kw_and
            | Rule::kw_in
            | Rule::kw_route
            | Rule::kw_priority
            | Rule::kw_because
            | Rule::kw_no_search
            | Rule::kw_catch_all
            | Rule::kw_hierarchy
            | Rule::kw_service
            | Rule::kw_id
            | Rule::kw_type
            | Rule::kw_catchment
            | Rule::kw_location
            | Rule::kw_ages
            | Rule::kw_sexes
            | Rule::kw_rank
            | Rule::kw_valid
            | Rule::kw_hours
            | Rule::kw_on
            | Rule::kw_closed
            | Rule::kw_all_hours
            | Rule::kw_bank_holiday
            | Rule::kw_overlay
            | Rule::kw_extends
            | Rule::kw_area
            | Rule::kw_override
            | Rule::kw_add
            | Rule::kw_remove
            | Rule::kw_suspend
            | Rule::kw_from
            | Rule::kw_until
            | Rule::kw_remap
            | Rule::kw_dx
            | Rule::kw_channel
            | Rule::kw_age
            | Rule::kw_sex
            | Rule::kw_postcodes
            | Rule::kw_postcode
            | Rule::kw_within
    )
}

/// What a grammar rule is called in a syntax error.
pub fn describe(kind: Rule) -> String {
    let text = match kind {
        Rule::EOI => "end of file",
        Rule::ident => "a name",
        Rule::dx_code => "a disposition code (`Dx05`)",
        Rule::string | Rule::string_inner => "a string in double quotes",
        Rule::integer => "a whole number",
        Rule::decimal => "a number",
        Rule::duration => "a duration (`30m`, `2h`, `5d`)",
        Rule::age => "an age (`16`, `6mo`, `28d`)",
        Rule::age_range => "an age range (`0..15`, `16..`)",
        Rule::age_cmp => "`<`, `<=`, `>`, `>=` or `in`",
        Rule::date => "a date (`2020-05-08`)",
        Rule::date_range => "a date range (`2020-03-23..2020-07-04`)",
        Rule::time | Rule::session => "a session (`08:30-13:00`)",
        Rule::day | Rule::day_spec | Rule::weekly => "a day (`mon`, `mon-fri`)",
        Rule::postcode_unit => "a postcode area, district or sector (`SO`, `SO16`, `SO16 7`)",
        Rule::postcode_range => "a district range (`PL10..PL15`)",
        Rule::distance => "a distance (`60km`)",
        Rule::override_hierarchy => "`override`",
        Rule::channel | Rule::channel_list => "a channel (`111`, `999`, `ooh`)",
        Rule::sex => "`female` or `male`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::comma => "`,`",
        Rule::eq => "`=`",
        Rule::gt => "`>`",
        Rule::arrow => "`->`",
        Rule::dx_cond => "`dx`",
        Rule::channel_cond => "`channel`",
        Rule::age_cond => "`age`",
        Rule::sex_cond => "`sex`",
        Rule::dx_list => "a list in parentheses",
        Rule::day_hours => "`closed` or a session (`08:30-13:00`)",
        Rule::suspend_service => "`service`",
        Rule::suspend_service_type => "`service_type`",
        Rule::override_rule => "`override`",
        Rule::add_rule => "`add`",
        Rule::remove_rule => "`remove`",
        Rule::type_clause => "`type`",
        Rule::on_date => "`on`",
        Rule::closed_dates => "`closed`",
        _ => "",
    };
    if !text.is_empty() {
        return text.to_owned();
    }
    let name = format!("{kind:?}");
    let keyword = name.strip_prefix("kw_").unwrap_or(&name);
    format!("`{keyword}`")
}
