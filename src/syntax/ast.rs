//! The syntax tree of a `.dxm` file: plain data, no resolution, no semantics.
//!
//! The tree is faithful to what was written: clauses keep their source order
//! and literals keep their written form (`16` and `16y` differ here, not in
//! the model), so that `dxmap fmt` can print a file back without changing its
//! meaning. Every node carries a [`Span`]; leaf names are `Spanned<String>`.
//!
//! The literals (dates, ages, postcode units, …) are in `values`.
//!
//! Imports: `crate::source` only.

mod values;

use crate::source::{Span, Spanned};

pub use values::{
    Age, AgeRange, AgeUnit, Date, DateRange, Decimal, Distance, Duration, DurationUnit, Integer,
    PostcodeRange, PostcodeRef, PostcodeUnit, Time,
};

/// A name as written: an identifier, a string, a code.
pub type Name = Spanned<String>;

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The top-level items, in source order.
    pub items: Vec<Item>,
    /// The `// dxmap: allow …` comments, each with the item it is attached to.
    pub allows: Vec<Allow>,
    /// The whole file.
    pub span: Span,
}

/// `// dxmap: allow DX0504, DX0503 because "…"` on the line(s) directly
/// above an item: silences those codes for findings inside the item.
#[derive(Debug, Clone, PartialEq)]
pub struct Allow {
    /// The codes as written (`DX0504`), each checked against the registry.
    pub codes: Vec<Name>,
    /// Why the findings are accepted.
    pub because: Name,
    /// The item, statement or block the comment is attached to.
    pub target: Span,
    /// The comment.
    pub span: Span,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `release "…"`.
    Release(Release),
    /// `skill name "label"`.
    Skill(Skill),
    /// `has skill, …`.
    Has(SkillList),
    /// `calendar name { … }`.
    Calendar(Calendar),
    /// `service_type name "label" { … }`.
    ServiceType(ServiceType),
    /// `group name = …`.
    Group(Group),
    /// `rule "name" { … }`.
    Rule(Rule),
    /// `no_search … because "…"`.
    NoSearch(NoSearch),
    /// `catch_all type`.
    CatchAll(CatchAll),
    /// `hierarchy name { … }`.
    Hierarchy(Hierarchy),
    /// `postcodes name = TR, PL10..PL15`.
    Postcodes(PostcodeSet),
    /// `service "name" id "ID" { … }`.
    Service(Service),
    /// `overlay name extends parent { … }`.
    Overlay(Overlay),
}

impl Item {
    /// The span of the whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::Release(item) => item.span,
            Item::Skill(item) => item.span,
            Item::Has(item) => item.span,
            Item::Calendar(item) => item.span,
            Item::ServiceType(item) => item.span,
            Item::Group(item) => item.span,
            Item::Rule(item) => item.span,
            Item::NoSearch(item) => item.span,
            Item::CatchAll(item) => item.span,
            Item::Hierarchy(item) => item.span,
            Item::Postcodes(item) => item.span,
            Item::Service(item) => item.span,
            Item::Overlay(item) => item.span,
        }
    }
}

/// `release "pathways-2015"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// A bundled release name, or a path relative to this file.
    pub name: Name,
    /// The whole item.
    pub span: Span,
}

/// `skill pathways_clinician "Pathways clinician"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    /// The skill's identifier.
    pub name: Name,
    /// Its label, if given.
    pub label: Option<Name>,
    /// The whole item.
    pub span: Span,
}

/// `has a, b` or `lacks a, b`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillList {
    /// The skills named.
    pub skills: Vec<Name>,
    /// The whole item.
    pub span: Span,
}

/// `calendar england_and_wales { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// The calendar's name.
    pub name: Name,
    /// Its bank holidays, in source order.
    pub holidays: Vec<Holiday>,
    /// The whole item.
    pub span: Span,
}

/// `2020-05-08 "Early May bank holiday"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Holiday {
    /// The date.
    pub date: Date,
    /// Its name, if given.
    pub label: Option<Name>,
    /// The whole line.
    pub span: Span,
}

/// `service_type gp_ooh "GP Out of Hours" { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceType {
    /// The type's identifier.
    pub name: Name,
    /// Its label, if given.
    pub label: Option<Name>,
    /// Its clauses, in source order.
    pub clauses: Vec<ServiceTypeClause>,
    /// The whole item.
    pub span: Span,
}

/// A clause of a service type.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceTypeClause {
    /// `responds_within 1h`.
    RespondsWithin(Spanned<Duration>),
    /// `channels 111, ooh`.
    Channels(Spanned<Vec<Spanned<Channel>>>),
    /// `requires skill`.
    Requires(Spanned<Name>),
    /// `returns 1`.
    Returns(Spanned<Integer>),
}

impl ServiceTypeClause {
    /// The span of the clause.
    pub fn span(&self) -> Span {
        match self {
            ServiceTypeClause::RespondsWithin(clause) => clause.span,
            ServiceTypeClause::Channels(clause) => clause.span,
            ServiceTypeClause::Requires(clause) => clause.span,
            ServiceTypeClause::Returns(clause) => clause.span,
        }
    }
}

/// `group name = Dx05, other, …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's identifier.
    pub name: Name,
    /// Its members, in source order.
    pub members: Vec<DxRef>,
    /// The whole item.
    pub span: Span,
}

/// A disposition code or a group name.
#[derive(Debug, Clone, PartialEq)]
pub enum DxRef {
    /// `Dx05`.
    Code(Name),
    /// `primary_care_contact`.
    Group(Name),
}

impl DxRef {
    /// The span of the reference.
    pub fn span(&self) -> Span {
        match self {
            DxRef::Code(name) | DxRef::Group(name) => name.span,
        }
    }
}

/// `rule "name" { … }`, also the body of `override rule` and `add rule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name.
    pub name: Name,
    /// Its clauses, in source order.
    pub clauses: Vec<RuleClause>,
    /// The whole item.
    pub span: Span,
}

/// A clause of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleClause {
    /// `when cond and cond`.
    When(Spanned<Vec<Condition>>),
    /// `route a, b`.
    Route(Spanned<Vec<Name>>),
    /// `priority 10`.
    Priority(Spanned<Integer>),
    /// `because "…"`.
    Because(Because),
}

impl RuleClause {
    /// The span of the clause.
    pub fn span(&self) -> Span {
        match self {
            RuleClause::When(clause) => clause.span,
            RuleClause::Route(clause) => clause.span,
            RuleClause::Priority(clause) => clause.span,
            RuleClause::Because(clause) => clause.span,
        }
    }
}

/// `because "reason"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Because {
    /// The reason.
    pub reason: Name,
    /// `because` and the reason.
    pub span: Span,
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `dx = Dx05`, `dx in group`, `dx in (…)`.
    Dx(Spanned<DxTest>),
    /// `channel = ooh`, `channel in (…)`.
    Channel(Spanned<ChannelTest>),
    /// `age >= 16`, `age in 0..15`.
    Age(Spanned<AgeTest>),
    /// `sex = female`.
    Sex(Spanned<Sex>),
}

impl Condition {
    /// The span of the condition.
    pub fn span(&self) -> Span {
        match self {
            Condition::Dx(cond) => cond.span,
            Condition::Channel(cond) => cond.span,
            Condition::Age(cond) => cond.span,
            Condition::Sex(cond) => cond.span,
        }
    }
}

/// A disposition test.
#[derive(Debug, Clone, PartialEq)]
pub enum DxTest {
    /// `dx = Dx05` (or `dx = group`).
    Eq(DxRef),
    /// `dx in group` (or `dx in Dx05`), without parentheses.
    In(DxRef),
    /// `dx in (Dx05, group, …)`.
    InList(Vec<DxRef>),
}

/// A channel test.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelTest {
    /// `channel = ooh`.
    Eq(Spanned<Channel>),
    /// `channel in (111, ooh)`.
    In(Vec<Spanned<Channel>>),
}

/// An age test.
#[derive(Debug, Clone, PartialEq)]
pub enum AgeTest {
    /// `age < 16` and friends.
    Compare(CompareOp, Age),
    /// `age in 0..15`.
    In(AgeRange),
}

/// An age comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A channel as written.
pub type Channel = dxmap_runtime::Channel;

/// A sex as written.
pub type Sex = dxmap_runtime::Sex;

/// `no_search Dx91, … because "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct NoSearch {
    /// The codes (or groups) that answer "no search".
    pub codes: Vec<DxRef>,
    /// Why, if given (the checker requires it).
    pub because: Option<Because>,
    /// The whole item.
    pub span: Span,
}

/// `catch_all type` or `catch_all type within 60km`.
#[derive(Debug, Clone, PartialEq)]
pub struct CatchAll {
    /// The service type.
    pub service_type: Name,
    /// The distance that limits it, if given.
    pub within: Option<Distance>,
    /// The whole item.
    pub span: Span,
}

/// `hierarchy name { Dx321 > Dx32 > … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    /// The hierarchy's name.
    pub name: Name,
    /// The codes, highest first.
    pub codes: Vec<Name>,
    /// The whole item.
    pub span: Span,
}

/// `postcodes cornwall = TR, PL10..PL15, EX23`.
#[derive(Debug, Clone, PartialEq)]
pub struct PostcodeSet {
    /// The set's name.
    pub name: Name,
    /// Its members, in source order.
    pub items: Vec<PostcodeRef>,
    /// The whole item.
    pub span: Span,
}

/// `override hierarchy name { … } because "…"` in an overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideHierarchy {
    /// The hierarchy replaced, with its new order.
    pub hierarchy: Hierarchy,
    /// Why, if given (the checker requires it).
    pub because: Option<Because>,
    /// The whole item.
    pub span: Span,
}

/// `service "name" id "ID" { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// The service's display name.
    pub name: Name,
    /// Its DoS id.
    pub id: Name,
    /// Its clauses, in source order.
    pub clauses: Vec<ServiceClause>,
    /// The whole item.
    pub span: Span,
}

/// A clause of a service.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceClause {
    /// `type gp_ooh`.
    Type(Spanned<Name>),
    /// `catchment SO14, SO16 7` or `catchment cornwall`.
    Catchment(Spanned<Vec<PostcodeRef>>),
    /// `postcode "TR1 3LJ"`.
    Postcode(Spanned<Name>),
    /// `location 50.9, -1.4`.
    Location(Spanned<(Decimal, Decimal)>),
    /// `ages 0..15`.
    Ages(Spanned<AgeRange>),
    /// `sexes female`.
    Sexes(Spanned<Vec<Spanned<Sex>>>),
    /// `rank 1`.
    Rank(Spanned<Integer>),
    /// `valid 2020-03-20..2020-09-30`.
    Valid(Spanned<DateRange>),
    /// `hours { … }`.
    Hours(Hours),
}

impl ServiceClause {
    /// The span of the clause.
    pub fn span(&self) -> Span {
        match self {
            ServiceClause::Type(clause) => clause.span,
            ServiceClause::Catchment(clause) => clause.span,
            ServiceClause::Postcode(clause) => clause.span,
            ServiceClause::Location(clause) => clause.span,
            ServiceClause::Ages(clause) => clause.span,
            ServiceClause::Sexes(clause) => clause.span,
            ServiceClause::Rank(clause) => clause.span,
            ServiceClause::Valid(clause) => clause.span,
            ServiceClause::Hours(clause) => clause.span,
        }
    }
}

/// `hours { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    /// The lines, in source order.
    pub lines: Vec<HoursLine>,
    /// `hours` to `}`.
    pub span: Span,
}

/// A line of opening hours.
#[derive(Debug, Clone, PartialEq)]
pub enum HoursLine {
    /// `mon-fri 08:30-13:00, 14:00-18:00`.
    Weekly {
        /// The day or days.
        days: DaySpec,
        /// Closed or open in sessions.
        hours: DayHours,
        /// The whole line.
        span: Span,
    },
    /// `bank_holiday closed`.
    BankHoliday {
        /// Closed or open in sessions.
        hours: DayHours,
        /// The whole line.
        span: Span,
    },
    /// `on 2020-05-08 14:00-17:00`.
    On {
        /// The date.
        date: Date,
        /// Closed or open in sessions.
        hours: DayHours,
        /// The whole line.
        span: Span,
    },
    /// `closed 2020-06-01..2020-06-10 because "refit"`.
    Closed {
        /// The dates closed.
        dates: DateRange,
        /// Why, if given.
        because: Option<Because>,
        /// The whole line.
        span: Span,
    },
    /// `all_hours`.
    AllHours {
        /// The keyword.
        span: Span,
    },
}

impl HoursLine {
    /// The span of the line.
    pub fn span(&self) -> Span {
        match self {
            HoursLine::Weekly { span, .. }
            | HoursLine::BankHoliday { span, .. }
            | HoursLine::On { span, .. }
            | HoursLine::Closed { span, .. }
            | HoursLine::AllHours { span } => *span,
        }
    }
}

/// `mon` or `mon-fri`.
#[derive(Debug, Clone, PartialEq)]
pub struct DaySpec {
    /// The first day.
    pub first: Spanned<Weekday>,
    /// The last day of a range.
    pub last: Option<Spanned<Weekday>>,
    /// The whole spec.
    pub span: Span,
}

/// A day of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// `mon`.
    Mon,
    /// `tue`.
    Tue,
    /// `wed`.
    Wed,
    /// `thu`.
    Thu,
    /// `fri`.
    Fri,
    /// `sat`.
    Sat,
    /// `sun`.
    Sun,
}

impl Weekday {
    /// All days, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// The day as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Mon => "mon",
            Weekday::Tue => "tue",
            Weekday::Wed => "wed",
            Weekday::Thu => "thu",
            Weekday::Fri => "fri",
            Weekday::Sat => "sat",
            Weekday::Sun => "sun",
        }
    }

    /// Monday is 0, Sunday 6.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// `closed` or sessions.
#[derive(Debug, Clone, PartialEq)]
pub enum DayHours {
    /// `closed`.
    Closed(Span),
    /// `08:30-13:00, 14:00-18:00`.
    Sessions(Vec<Session>),
}

/// `08:30-13:00`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Session {
    /// Opening time.
    pub open: Time,
    /// Closing time.
    pub close: Time,
    /// The whole session.
    pub span: Span,
}

/// `overlay name extends parent { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// The overlay's name.
    pub name: Name,
    /// The layer it extends (`national` when omitted).
    pub extends: Option<Name>,
    /// Its items, in source order.
    pub items: Vec<OverlayItem>,
    /// The whole item.
    pub span: Span,
}

/// An item of an overlay.
#[derive(Debug, Clone, PartialEq)]
pub enum OverlayItem {
    /// `area SO, PO` or `area cornwall`.
    Area(Spanned<Vec<PostcodeRef>>),
    /// `lacks skill`.
    Lacks(SkillList),
    /// `has skill`.
    Has(SkillList),
    /// `override rule "name" { … }`.
    Override(Rule),
    /// `override hierarchy name { … } because "…"`.
    OverrideHierarchy(OverrideHierarchy),
    /// `add rule "name" { … }`.
    Add(Rule),
    /// `remove rule "name" because "…"`.
    Remove(Remove),
    /// `suspend … from … until … because "…"`.
    Suspend(Suspend),
    /// `remap Dx06 -> Dx05 because "…"`.
    Remap(Remap),
    /// `catch_all type`.
    CatchAll(CatchAll),
    /// `no_search … because "…"`.
    NoSearch(NoSearch),
    /// `service "name" id "ID" { … }`.
    Service(Service),
}

impl OverlayItem {
    /// The span of the item.
    pub fn span(&self) -> Span {
        match self {
            OverlayItem::Area(item) => item.span,
            OverlayItem::Lacks(item) | OverlayItem::Has(item) => item.span,
            OverlayItem::Override(item) | OverlayItem::Add(item) => item.span,
            OverlayItem::OverrideHierarchy(item) => item.span,
            OverlayItem::Remove(item) => item.span,
            OverlayItem::Suspend(item) => item.span,
            OverlayItem::Remap(item) => item.span,
            OverlayItem::CatchAll(item) => item.span,
            OverlayItem::NoSearch(item) => item.span,
            OverlayItem::Service(item) => item.span,
        }
    }
}

/// `remove rule "name" because "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Remove {
    /// The rule removed.
    pub rule: Name,
    /// Why, if given (the checker requires it).
    pub because: Option<Because>,
    /// The whole item.
    pub span: Span,
}

/// `suspend service "ID" from DATE until DATE because "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspend {
    /// What is suspended.
    pub target: SuspendTarget,
    /// The first day of the suspension.
    pub from: Date,
    /// The last day (inclusive), if bounded.
    pub until: Option<Date>,
    /// Why, if given (the checker requires it).
    pub because: Option<Because>,
    /// The whole item.
    pub span: Span,
}

/// What a suspension names.
#[derive(Debug, Clone, PartialEq)]
pub enum SuspendTarget {
    /// `service "ID"`.
    Service(Name),
    /// `service_type name`.
    ServiceType(Name),
}

/// `remap Dx06 -> Dx05 because "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Remap {
    /// The code as triaged.
    pub from: Name,
    /// The code searched instead.
    pub to: Name,
    /// Why, if given (the checker requires it).
    pub because: Option<Because>,
    /// The whole item.
    pub span: Span,
}
