//! RFC 5545 (iCalendar) files: reading what Google Calendar, Outlook and Thunderbird export into
//! [`Event`]s, and writing events back out so that a file this module writes reads back as the
//! same events.
//!
//! The reading is lenient where real files are sloppy (blank lines, `LF` line ends, Windows
//! zone names, a `TZID` without its `VTIMEZONE`) and says what it had to guess in [`Note`]s.
//! It reads `VEVENT`s only: to-dos, journals and alarms are skipped.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::event::{self, Event, When};
use crate::rrule::{self, Rule, Until};
use crate::zone::{self, Zone};

/// Longest line written, in octets, before folding (RFC 5545 §3.1).
const FOLD_AT: usize = 75;
/// Most daylight-saving changes of one `VTIMEZONE` part looked through for the offset in force:
/// a yearly rule's for ten thousand years; a file's daily "changes" stop there.
const MAX_ONSETS: u32 = 10_000;

/// One content line: `NAME;PARAM=VALUE:value`. Names are uppercase; the value is still escaped.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub params: Vec<(String, String)>,
    pub value: String,
}

impl Property {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value as text, unescaped.
    pub fn text(&self) -> String {
        unescape(&self.value)
    }
}

/// A `BEGIN:…`/`END:…` block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Component {
    pub name: String,
    pub properties: Vec<Property>,
    pub components: Vec<Component>,
}

impl Component {
    pub fn get(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Component> + 'a {
        self.components.iter().filter(move |c| c.name == name)
    }
}

/// Parses iCalendar text into its top-level components (usually one `VCALENDAR`). A UTF-8
/// byte-order mark at the start, as Windows tools write one, is skipped.
pub fn parse(text: &str) -> Result<Vec<Component>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut stack: Vec<Component> = Vec::new();
    let mut done = Vec::new();
    for line in unfold(text) {
        let Some(property) = content_line(&line) else {
            continue;
        };
        match property.name.as_str() {
            "BEGIN" => stack.push(Component {
                name: property.value.trim().to_ascii_uppercase(),
                ..Default::default()
            }),
            "END" => {
                let name = property.value.trim().to_ascii_uppercase();
                let component = stack
                    .pop()
                    .filter(|c| c.name == name)
                    .ok_or_else(|| format!("END:{name} does not close the block it is in"))?;
                match stack.last_mut() {
                    Some(parent) => parent.components.push(component),
                    None => done.push(component),
                }
            }
            _ => {
                if let Some(current) = stack.last_mut() {
                    current.properties.push(property);
                }
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("the text ends inside a {} block", open.name));
    }
    if !done.iter().any(|c| c.name == "VCALENDAR") {
        return Err("this is not iCalendar text: there is no BEGIN:VCALENDAR".into());
    }
    Ok(done)
}

/// Joins folded lines: a line that starts with a space or a tab continues the one before.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if raw.trim().is_empty() => {}
            _ => lines.push(raw.to_owned()),
        }
    }
    lines
}

/// Splits `NAME;P1=a,"b:c";P2=d:value`. Quoted parameter values may hold `:`, `;` and `,`.
fn content_line(line: &str) -> Option<Property> {
    let mut params = Vec::new();
    let name_end = line.find([';', ':'])?;
    let name = line[..name_end].trim().to_ascii_uppercase();
    let mut rest = &line[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=')?;
        let pname = after[..eq].trim().to_ascii_uppercase();
        let mut value = String::new();
        let mut chars = after[eq + 1..].char_indices();
        let mut quoted = false;
        let mut end = after.len() - eq - 1;
        for (i, c) in chars.by_ref() {
            match c {
                '"' => quoted = !quoted,
                ';' | ':' if !quoted => {
                    end = i;
                    break;
                }
                c => value.push(c),
            }
        }
        params.push((pname, value));
        rest = &after[eq + 1 + end..];
    }
    let value = rest.strip_prefix(':')?.to_owned();
    (!name.is_empty()).then_some(Property {
        name,
        params,
        value,
    })
}

/// `\n`, `\,`, `\;` and `\\` in TEXT values.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a line at [`FOLD_AT`] octets, never inside a character, and ends it with CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > FOLD_AT {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// What an import had to guess or leave out; shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Note {
    /// A `TZID` that is neither IANA nor a known Windows name and has no usable `VTIMEZONE`:
    /// its times were read in the user's zone.
    UnknownZone { tzid: String, used: String },
    /// A zone known only by its `VTIMEZONE` offsets: read at the offset in force then, so a
    /// daylight-saving change later in a series is not followed.
    OffsetOnly { tzid: String, offset: String },
    /// Parts of a recurrence rule that are not supported were left out.
    IgnoredRuleParts { title: String, parts: String },
    /// An event that could not be read at all.
    Skipped { title: String, reason: String },
}

impl Note {
    pub fn text(&self, tr: bool) -> String {
        match (self, tr) {
            (Note::UnknownZone { tzid, used }, true) => {
                format!("\"{tzid}\" saat dilimini tanımadım; o saatleri {used} saatiyle okudum.")
            }
            (Note::UnknownZone { tzid, used }, false) => {
                format!("I don't know the time zone \"{tzid}\"; I read its times as {used} time.")
            }
            (Note::OffsetOnly { tzid, offset }, true) => format!(
                "\"{tzid}\" saat dilimini dosyadaki tanımıyla UTC{offset} olarak okudum; yaz saati değişiklikleri izlenmez."
            ),
            (Note::OffsetOnly { tzid, offset }, false) => format!(
                "I read the time zone \"{tzid}\" from the file as UTC{offset}; daylight-saving changes are not followed."
            ),
            (Note::IgnoredRuleParts { title, parts }, true) => {
                format!("\"{title}\" tekrar kuralının şu kısımlarını desteklemiyorum: {parts}.")
            }
            (Note::IgnoredRuleParts { title, parts }, false) => {
                format!(
                    "I left out parts of the repeat rule of \"{title}\" that I don't support: {parts}."
                )
            }
            (Note::Skipped { title, reason }, true) => format!("\"{title}\" alınamadı: {reason}."),
            (Note::Skipped { title, reason }, false) => {
                format!("\"{title}\" was not imported: {reason}.")
            }
        }
    }
}

/// The events of a file, and what the reading had to guess.
#[derive(Debug, Default)]
pub struct Imported {
    pub events: Vec<Event>,
    pub notes: Vec<Note>,
}

/// Reads every `VEVENT` of an iCalendar text. Times without a zone ("floating") are read in the
/// calendar's `X-WR-TIMEZONE` if it names one, else in `user`'s zone; `locale` is kept with the
/// events for their reminders.
pub fn import(text: &str, user: Zone, locale: &str) -> Result<Imported, String> {
    let mut imported = Imported::default();
    for calendar in parse(text)?.iter().filter(|c| c.name == "VCALENDAR") {
        let floating = calendar
            .get("X-WR-TIMEZONE")
            .and_then(|p| Zone::from_tzid(&p.text()))
            .unwrap_or(user);
        let mut zones = Zones {
            defined: calendar
                .children("VTIMEZONE")
                .filter_map(|z| Some((z.get("TZID")?.text(), z)))
                .collect(),
            floating,
            notes: Vec::new(),
        };
        let mut cancelled = Vec::new();
        for vevent in calendar.children("VEVENT") {
            let title = vevent
                .get("SUMMARY")
                .map(Property::text)
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| untitled(locale));
            match read_event(vevent, &title, locale, &mut zones) {
                Ok(Some(event)) => imported.events.push(event),
                Ok(None) => {
                    if let Some(rid) = vevent.get("RECURRENCE-ID") {
                        cancelled.push((vevent.get("UID").map(Property::text), rid.clone()));
                    }
                }
                Err(reason) => zones.notes.push(Note::Skipped { title, reason }),
            }
        }
        // A cancelled occurrence of a series is an exception to it.
        for (uid, rid) in cancelled {
            if let Some(series) = imported
                .events
                .iter_mut()
                .find(|e| Some(&e.uid) == uid.as_ref() && e.recurrence_id.is_none())
                && let Some(at) = zones.wall_time(&rid, &series.when)
            {
                series.exdates.push(at);
            }
        }
        imported.notes.append(&mut zones.notes);
    }
    imported.notes.sort();
    imported.notes.dedup();
    Ok(imported)
}

fn untitled(locale: &str) -> String {
    if locale == "tr" {
        "(başlıksız)".into()
    } else {
        "(untitled)".into()
    }
}

/// One event, or `None` for a cancelled one.
fn read_event(
    vevent: &Component,
    title: &str,
    locale: &str,
    zones: &mut Zones<'_>,
) -> Result<Option<Event>, String> {
    if vevent
        .get("STATUS")
        .is_some_and(|s| s.value.trim().eq_ignore_ascii_case("CANCELLED"))
    {
        return Ok(None);
    }
    let dtstart = vevent.get("DTSTART").ok_or("it has no DTSTART")?;
    let start = moment(dtstart, &dtstart.value)
        .ok_or("its DTSTART is not a date or time (of the years 1 to 9999) like 20261124T150000")?;
    let when = match start {
        Moment::Date(date) => {
            let days = match (vevent.get("DTEND"), vevent.get("DURATION")) {
                (Some(end), _) => match moment(end, &end.value) {
                    Some(Moment::Date(end)) => (end - date).num_days(),
                    _ => 1,
                },
                (None, Some(d)) => parse_duration(&d.value).ok_or(BAD_DURATION)? / 86400,
                (None, None) => 1,
            };
            if days > event::MAX_DAYS {
                return Err("it lasts longer than ten years".into());
            }
            When::AllDay {
                date,
                days: days.max(1) as u32,
            }
        }
        Moment::Utc(_) | Moment::Local(_) => {
            let zone = zones.zone_of(dtstart, &start);
            let instant = zones
                .instant(dtstart, &start)
                .ok_or("its DTSTART is not valid")?;
            let seconds = match (vevent.get("DTEND"), vevent.get("DURATION")) {
                (Some(end), _) => {
                    let m = moment(end, &end.value).ok_or("its DTEND is not valid")?;
                    let end = zones.instant(end, &m).ok_or("its DTEND is not valid")?;
                    (end - instant).num_seconds().max(0)
                }
                (None, Some(d)) => parse_duration(&d.value).ok_or(BAD_DURATION)?.max(0),
                (None, None) => 0,
            };
            When::Timed {
                start: instant,
                seconds,
                zone,
            }
        }
    };
    let mut event = Event {
        uid: vevent
            .get("UID")
            .map(Property::text)
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| made_up_uid(title, &dtstart.value)),
        recurrence_id: None,
        title: title.to_owned(),
        description: vevent
            .get("DESCRIPTION")
            .map(Property::text)
            .filter(|d| !d.trim().is_empty()),
        location: vevent
            .get("LOCATION")
            .map(Property::text)
            .filter(|l| !l.trim().is_empty()),
        when,
        rrule: None,
        exdates: Vec::new(),
        locale: locale.to_owned(),
    };
    event.check()?;
    if let Some(rid) = vevent.get("RECURRENCE-ID") {
        event.recurrence_id = Some(
            zones
                .wall_time(rid, &event.when)
                .ok_or("its RECURRENCE-ID is not valid")?,
        );
        return Ok(Some(event));
    }
    if let Some(rule) = vevent.get("RRULE") {
        let wall = |until: Until| match until {
            Until::Utc(t) => match &event.when {
                When::Timed { zone, .. } => zone.to_local(t.and_utc()),
                When::AllDay { .. } => zones.floating.to_local(t.and_utc()),
            },
            Until::Local(t) => t,
            Until::Date(d) => rrule::end_of(d),
        };
        match Rule::parse(&rule.value, wall) {
            Ok((rule, ignored)) => {
                if !ignored.is_empty() {
                    zones.notes.push(Note::IgnoredRuleParts {
                        title: title.to_owned(),
                        parts: ignored.join(", "),
                    });
                }
                event.rrule = Some(rule);
            }
            Err(reason) => zones.notes.push(Note::IgnoredRuleParts {
                title: title.to_owned(),
                parts: reason,
            }),
        }
        for exdate in vevent.all("EXDATE") {
            for value in exdate.value.split(',') {
                let single = Property {
                    value: value.trim().to_owned(),
                    ..exdate.clone()
                };
                if let Some(at) = zones.wall_time(&single, &event.when) {
                    event.exdates.push(at);
                }
            }
        }
    }
    Ok(Some(event))
}

/// A stable `UID` for an event that has none, so importing the same file twice does not double it.
fn made_up_uid(title: &str, start: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in title.bytes().chain([0]).chain(start.bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}@import.bantz")
}

/// A date or date-time value as written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Moment {
    Date(NaiveDate),
    /// With a `TZID`, or floating.
    Local(NaiveDateTime),
    Utc(NaiveDateTime),
}

/// A `DATE` or `DATE-TIME` value; `None` when it is neither, or is not in [`event::YEARS`].
fn moment(property: &Property, value: &str) -> Option<Moment> {
    let value = value.trim();
    if property
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
        || value.len() == 8
    {
        return NaiveDate::parse_from_str(value, "%Y%m%d")
            .ok()
            .filter(|d| event::YEARS.contains(&d.year()))
            .map(Moment::Date);
    }
    let (text, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(t) => (t, true),
        None => (value, false),
    };
    let t = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M"))
        .ok()
        .filter(|t| event::YEARS.contains(&t.year()))?;
    Some(if utc {
        Moment::Utc(t)
    } else {
        Moment::Local(t)
    })
}

const BAD_DURATION: &str = "its DURATION is not a length like PT1H30M or P2D";

/// `P1D`, `PT1H30M`, `P1W`, `-PT15M`, in seconds. A length too large for an `i64` saturates
/// (the event is then refused as too long); one that is not a duration is `None`.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, text) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => (1, text),
    };
    let mut rest = text.strip_prefix(['P', 'p'])?;
    let mut seconds: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            c if c.is_ascii_digit() => number.push(c),
            unit => {
                if number.is_empty() {
                    return None;
                }
                // Only digits: parsing fails on overflow alone.
                let n: i64 = number.parse().unwrap_or(i64::MAX);
                number.clear();
                let unit = match (unit, in_time) {
                    ('W', false) => 7 * 86400,
                    ('D', false) => 86400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                seconds = seconds.saturating_add(n.saturating_mul(unit));
            }
        }
    }
    number.is_empty().then_some(sign * seconds)
}

/// The zones one calendar's events are written in.
struct Zones<'a> {
    /// `VTIMEZONE` blocks by `TZID`.
    defined: HashMap<String, &'a Component>,
    /// For times without a zone.
    floating: Zone,
    notes: Vec<Note>,
}

impl Zones<'_> {
    /// The zone of a date-time property.
    fn zone_of(&mut self, property: &Property, at: &Moment) -> Zone {
        match (at, property.param("TZID")) {
            (Moment::Utc(_), _) => Zone::Utc,
            (Moment::Local(t), Some(tzid)) => self.resolve(tzid, *t),
            _ => self.floating,
        }
    }

    /// The instant a date-time property names.
    fn instant(&mut self, property: &Property, at: &Moment) -> Option<DateTime<Utc>> {
        match at {
            Moment::Utc(t) => Some(t.and_utc()),
            Moment::Local(t) => Some(self.zone_of(property, at).to_utc(*t)),
            Moment::Date(_) => None,
        }
    }

    /// An `EXDATE` or `RECURRENCE-ID` as the wall-clock start of an occurrence of an event
    /// that is `when`.
    fn wall_time(&mut self, property: &Property, when: &When) -> Option<NaiveDateTime> {
        let at = moment(property, &property.value)?;
        match (when, at) {
            (When::AllDay { .. }, Moment::Date(d)) => Some(d.and_time(Default::default())),
            (When::AllDay { .. }, Moment::Local(t) | Moment::Utc(t)) => {
                Some(t.date().and_time(Default::default()))
            }
            (When::Timed { start, zone, .. }, Moment::Date(d)) => {
                Some(d.and_time(zone.to_local(*start).time()))
            }
            (When::Timed { zone, .. }, _) => Some(zone.to_local(self.instant(property, &at)?)),
        }
    }

    /// What a `TZID` means: a name this skill knows; else its `VTIMEZONE`'s location or the
    /// offset it gives for `at`; else the floating zone, with a note.
    fn resolve(&mut self, tzid: &str, at: NaiveDateTime) -> Zone {
        if let Some(zone) = Zone::from_tzid(tzid) {
            return zone;
        }
        let defined = self.defined.get(tzid).copied();
        if let Some(zone) = defined
            .and_then(|z| z.get("X-LIC-LOCATION"))
            .and_then(|p| Zone::from_tzid(&p.text()))
        {
            return zone;
        }
        if let Some(offset) = defined.and_then(|z| offset_in_force(z, at)) {
            self.notes.push(Note::OffsetOnly {
                tzid: tzid.to_owned(),
                offset: zone::format_offset(offset, true),
            });
            return Zone::Fixed(offset);
        }
        self.notes.push(Note::UnknownZone {
            tzid: tzid.to_owned(),
            used: self.floating.to_string(),
        });
        self.floating
    }
}

/// The `TZOFFSETTO` of the `STANDARD` or `DAYLIGHT` part of a `VTIMEZONE` that began last
/// before `at`; the first part's when none had begun.
fn offset_in_force(vtimezone: &Component, at: NaiveDateTime) -> Option<i32> {
    let mut best: Option<(NaiveDateTime, i32)> = None;
    let mut any = None;
    for part in vtimezone
        .components
        .iter()
        .filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT")
    {
        let Some(offset) = part
            .get("TZOFFSETTO")
            .and_then(|p| zone::parse_offset(&p.value))
        else {
            continue;
        };
        any = any.or(Some(offset));
        let Some(Moment::Local(start) | Moment::Utc(start)) =
            part.get("DTSTART").and_then(|p| moment(p, &p.value))
        else {
            continue;
        };
        let mut latest = None;
        match part.get("RRULE").and_then(|r| {
            Rule::parse(&r.value, |u| match u {
                Until::Utc(t) | Until::Local(t) => t,
                Until::Date(d) => rrule::end_of(d),
            })
            .ok()
        }) {
            Some((rule, _)) => {
                let mut onsets = 0;
                rule.expand(start, |onset| {
                    if onset <= at {
                        latest = Some(onset);
                    }
                    onsets += 1;
                    onset <= at && onsets < MAX_ONSETS
                })
            }
            None => latest = (start <= at).then_some(start),
        }
        if let Some(onset) = latest
            && best.is_none_or(|(b, _)| onset > b)
        {
            best = Some((onset, offset));
        }
    }
    best.map(|(_, offset)| offset).or(any)
}

/// Writes `events` as one `VCALENDAR`, with a `VTIMEZONE` for every zone they use.
pub fn export(events: &[Event], now: DateTime<Utc>) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Bantz//Calendar//EN".into(),
        "CALSCALE:GREGORIAN".into(),
    ];
    let mut zones: BTreeMap<String, (Zone, i32)> = BTreeMap::new();
    for event in events {
        if let When::Timed { start, zone, .. } = &event.when
            && *zone != Zone::Utc
        {
            let year = zone.to_local(*start).year();
            let entry = zones.entry(zone.to_string()).or_insert((*zone, year));
            entry.1 = entry.1.min(year);
        }
    }
    for (name, (zone, year)) in &zones {
        lines.extend(vtimezone(name, *zone, *year));
    }
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by(|a, b| {
        (a.local_start(), &a.uid, a.recurrence_id).cmp(&(b.local_start(), &b.uid, b.recurrence_id))
    });
    for event in sorted {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape(&event.uid)));
        lines.push(format!("DTSTAMP:{}", now.format("%Y%m%dT%H%M%SZ")));
        if let Some(rid) = event.recurrence_id {
            lines.push(date_time("RECURRENCE-ID", &event.when, &[rid]));
        }
        match &event.when {
            When::AllDay { date, days } => {
                lines.push(format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")));
                let end = *date + Duration::days((*days).max(1).into());
                lines.push(format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
            }
            When::Timed {
                start,
                seconds,
                zone,
            } => {
                let end = *start + Duration::seconds(*seconds);
                lines.push(date_time("DTSTART", &event.when, &[zone.to_local(*start)]));
                lines.push(date_time("DTEND", &event.when, &[zone.to_local(end)]));
            }
        }
        if let Some(rule) = &event.rrule {
            let until = rule.until.map(|u| match &event.when {
                When::AllDay { .. } => u.format("%Y%m%d").to_string(),
                When::Timed { zone, .. } => zone.to_utc(u).format("%Y%m%dT%H%M%SZ").to_string(),
            });
            lines.push(format!("RRULE:{}", rule.format(until)));
        }
        if !event.exdates.is_empty() {
            lines.push(date_time("EXDATE", &event.when, &event.exdates));
        }
        lines.push(format!("SUMMARY:{}", escape(&event.title)));
        if let Some(d) = &event.description {
            lines.push(format!("DESCRIPTION:{}", escape(d)));
        }
        if let Some(l) = &event.location {
            lines.push(format!("LOCATION:{}", escape(l)));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

/// `NAME;TZID=…:a,b`, `NAME:aZ` or `NAME;VALUE=DATE:a` for wall-clock times of an event.
fn date_time(name: &str, when: &When, times: &[NaiveDateTime]) -> String {
    match when {
        When::AllDay { .. } => {
            let dates: Vec<String> = times
                .iter()
                .map(|t| t.format("%Y%m%d").to_string())
                .collect();
            format!("{name};VALUE=DATE:{}", dates.join(","))
        }
        When::Timed {
            zone: Zone::Utc, ..
        } => {
            let utc: Vec<String> = times
                .iter()
                .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
                .collect();
            format!("{name}:{}", utc.join(","))
        }
        When::Timed { zone, .. } => {
            let local: Vec<String> = times
                .iter()
                .map(|t| t.format("%Y%m%dT%H%M%S").to_string())
                .collect();
            format!(
                "{name};TZID={}:{}",
                param(&zone.to_string()),
                local.join(",")
            )
        }
    }
}

/// A parameter value, quoted when it holds `:`, `;` or `,`.
fn param(value: &str) -> String {
    if value.contains([':', ';', ',']) {
        format!("\"{value}\"")
    } else {
        value.to_owned()
    }
}

/// A `VTIMEZONE` for a zone: its offsets, and its daylight-saving changes as they were in
/// `year` (found by looking at the zone's offsets through that year), repeating yearly.
fn vtimezone(name: &str, zone: Zone, year: i32) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".into(), format!("TZID:{name}")];
    if let Zone::Iana(tz) = zone {
        lines.push(format!("X-LIC-LOCATION:{}", tz.name()));
    }
    let changes = match zone {
        Zone::Iana(tz) => transitions(tz, year),
        _ => Vec::new(),
    };
    if changes.is_empty() {
        let offset = zone::format_offset(
            match zone {
                Zone::Iana(tz) => offset_of(tz, year),
                Zone::Fixed(east) => east,
                Zone::Utc => 0,
            },
            false,
        );
        lines.extend([
            "BEGIN:STANDARD".into(),
            "DTSTART:19700101T000000".into(),
            format!("TZOFFSETFROM:{offset}"),
            format!("TZOFFSETTO:{offset}"),
            "END:STANDARD".into(),
        ]);
    }
    for (at, from, to) in &changes {
        let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
        let wall = at.naive_utc() + Duration::seconds((*from).into());
        let day0 = wall.day0() as i32;
        let month_len = {
            let next = NaiveDate::from_ymd_opt(
                wall.year() + i32::from(wall.month() == 12),
                wall.month() % 12 + 1,
                1,
            );
            next.map_or(31, |n| n.pred_opt().map_or(31, |d| d.day() as i32))
        };
        let nth = if day0 + 7 >= month_len {
            -1
        } else {
            day0 / 7 + 1
        };
        lines.extend([
            format!("BEGIN:{kind}"),
            format!("DTSTART:{}", wall.format("%Y%m%dT%H%M%S")),
            format!("TZOFFSETFROM:{}", zone::format_offset(*from, false)),
            format!("TZOFFSETTO:{}", zone::format_offset(*to, false)),
            format!(
                "RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={nth}{}",
                wall.month(),
                rrule::day_code(wall.weekday())
            ),
            format!("END:{kind}"),
        ]);
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

fn offset_of(tz: Tz, year: i32) -> i32 {
    let jan = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap_or_default()
        .and_time(Default::default());
    Zone::Iana(tz).offset_at(Utc.from_utc_datetime(&jan))
}

/// The instants in `year` when `tz` changes its offset, with the offsets before and after.
fn transitions(tz: Tz, year: i32) -> Vec<(DateTime<Utc>, i32, i32)> {
    let zone = Zone::Iana(tz);
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut t = Utc.from_utc_datetime(&first.and_time(Default::default()));
    let end = t + Duration::days(366);
    let mut offset = zone.offset_at(t);
    while t < end {
        let next = t + Duration::days(1);
        if zone.offset_at(next) != offset {
            // Narrow the day down to the quarter hour where it changed.
            let mut at = t;
            while zone.offset_at(at) == offset {
                at += Duration::minutes(15);
            }
            let after = zone.offset_at(at);
            found.push((at, offset, after));
            offset = after;
        }
        t = next;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISTANBUL: Zone = Zone::Iana(chrono_tz::Europe::Istanbul);

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn calendar(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
    }

    #[test]
    fn unfolds_lines_reads_parameters_and_unescapes() {
        let text = calendar(
            "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;TZID=\"Europe/Berlin\":20261123T100000\r\n\
             SUMMARY:Plan\\, review\\; and a very long title that an exporter folded right\r\n  in the middle\r\n\
             DESCRIPTION:Line one\\nLine two with a backslash \\\\\r\n\
             LOCATION;LANGUAGE=tr:Kadıköy\\, İstanbul\r\nEND:VEVENT\r\n",
        );
        let parsed = parse(&text).unwrap();
        let vevent = &parsed[0].components[0];
        let start = vevent.get("DTSTART").unwrap();
        assert_eq!(start.param("TZID"), Some("Europe/Berlin"));
        assert_eq!(start.value, "20261123T100000");
        assert_eq!(
            vevent.get("SUMMARY").unwrap().text(),
            "Plan, review; and a very long title that an exporter folded right in the middle"
        );
        assert_eq!(
            vevent.get("DESCRIPTION").unwrap().text(),
            "Line one\nLine two with a backslash \\"
        );
        assert_eq!(vevent.get("LOCATION").unwrap().text(), "Kadıköy, İstanbul");
        assert!(parse("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n").is_err());
        assert!(parse("hello").is_err());
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "ğ".repeat(60));
        fold(&long, &mut out);
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        assert_eq!(unfold(&out), [long]);
    }

    #[test]
    fn reads_zones_all_day_events_durations_and_floating_times() {
        let text = calendar(
            "BEGIN:VTIMEZONE\r\nTZID:Custom Zone\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n\
             TZOFFSETFROM:+0600\r\nTZOFFSETTO:+0500\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
             BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0500\r\nTZOFFSETTO:+0600\r\n\
             RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
             BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=W. Europe Standard Time:20260715T100000\r\nDURATION:PT1H30M\r\nSUMMARY:A\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261126\r\nSUMMARY:B\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:c\r\nDTSTART:20261124T090000\r\nDTEND:20261124T093000\r\nSUMMARY:C\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:d\r\nDTSTART;TZID=Custom Zone:20260715T100000\r\nSUMMARY:D\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:e\r\nDTSTART;TZID=Nowhere:20261124T100000\r\nDTEND;TZID=Nowhere:20261124T110000\r\nSUMMARY:E\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20261124T100000Z\r\nSTATUS:CANCELLED\r\nSUMMARY:F\r\nEND:VEVENT\r\n",
        );
        let imported = import(&text, ISTANBUL, "en").unwrap();
        let by_uid = |uid: &str| imported.events.iter().find(|e| e.uid == uid).unwrap();
        assert_eq!(
            by_uid("a").when,
            When::Timed {
                start: utc("2026-07-15T08:00:00Z"),
                seconds: 5400,
                zone: Zone::Iana(chrono_tz::Europe::Berlin)
            }
        );
        assert_eq!(
            by_uid("b").when,
            When::AllDay {
                date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                days: 2
            }
        );
        assert_eq!(
            by_uid("c").when,
            When::Timed {
                start: utc("2026-11-24T06:00:00Z"),
                seconds: 1800,
                zone: ISTANBUL
            },
            "floating times are the user's"
        );
        // In July the custom zone's daylight part (+0600) is in force.
        assert_eq!(
            by_uid("d").when,
            When::Timed {
                start: utc("2026-07-15T04:00:00Z"),
                seconds: 0,
                zone: Zone::Fixed(6 * 3600)
            }
        );
        assert!(
            matches!(by_uid("e").when, When::Timed { zone, seconds: 3600, .. } if zone == ISTANBUL)
        );
        assert_eq!(imported.events.len(), 5, "the cancelled event is left out");
        assert_eq!(
            imported.notes,
            [
                Note::UnknownZone {
                    tzid: "Nowhere".into(),
                    used: "Europe/Istanbul".into()
                },
                Note::OffsetOnly {
                    tzid: "Custom Zone".into(),
                    offset: "+06:00".into()
                },
            ]
        );
    }

    #[test]
    fn reads_recurrences_with_exceptions() {
        let text = calendar(
            "BEGIN:VEVENT\r\nUID:s\r\nDTSTART;TZID=Europe/Istanbul:20261123T093000\r\nDTEND;TZID=Europe/Istanbul:20261123T094500\r\n\
             RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261209T063000Z\r\nEXDATE;TZID=Europe/Istanbul:20261125T093000,20261202T093000\r\nSUMMARY:S\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID;TZID=Europe/Istanbul:20261130T093000\r\nDTSTART;TZID=Europe/Istanbul:20261130T140000\r\nDURATION:PT15M\r\nSUMMARY:S moved\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20261207T063000Z\r\nSTATUS:CANCELLED\r\nDTSTART:20261207T063000Z\r\nSUMMARY:S\r\nEND:VEVENT\r\n",
        );
        let imported = import(&text, ISTANBUL, "en").unwrap();
        let series = &imported.events[0];
        assert_eq!(
            series.rrule.as_ref().unwrap().until,
            Some(local("2026-12-09 09:30"))
        );
        assert_eq!(
            series.exdates,
            [
                local("2026-11-25 09:30"),
                local("2026-12-02 09:30"),
                local("2026-12-07 09:30")
            ]
        );
        assert_eq!(
            imported.events[1].recurrence_id,
            Some(local("2026-11-30 09:30"))
        );
        let from = utc("2026-11-22T00:00:00Z");
        let found =
            crate::event::occurrences(&imported.events, from, from + Duration::days(30), ISTANBUL);
        let starts: Vec<String> = found
            .iter()
            .map(|o| {
                let (s, _) = o.span.bounds(ISTANBUL);
                format!(
                    "{} {}",
                    ISTANBUL.to_local(s).format("%m-%d %H:%M"),
                    o.event.title
                )
            })
            .collect();
        assert_eq!(
            starts,
            ["11-23 09:30 S", "11-30 14:00 S moved", "12-09 09:30 S"]
        );
    }

    #[test]
    fn an_export_reads_back_as_the_same_events() {
        let text = calendar(
            "BEGIN:VEVENT\r\nUID:w@x\r\nDTSTART;TZID=America/New_York:20261102T090000\r\nDTEND;TZID=America/New_York:20261102T100000\r\n\
             RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8\r\nEXDATE;TZID=America/New_York:20261105T090000\r\n\
             SUMMARY:Sync\\, weekly\r\nDESCRIPTION:Agenda:\\n1. this\\; 2. that\r\nLOCATION:Room 4\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:w@x\r\nRECURRENCE-ID;TZID=America/New_York:20261109T090000\r\nDTSTART;TZID=America/New_York:20261109T110000\r\nDTEND;TZID=America/New_York:20261109T120000\r\nSUMMARY:Sync (moved)\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:d@x\r\nDTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY;UNTIL=20301225\r\nSUMMARY:Noel\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:u@x\r\nDTSTART:20261124T100000Z\r\nDTEND:20261124T103000Z\r\nRRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20261130T100000Z\r\nSUMMARY:UTC ğüşiöç 😀 a long title that certainly has to be folded when it is written\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:f@x\r\nDTSTART;TZID=Odd:20261124T100000\r\nSUMMARY:Fixed\r\nEND:VEVENT\r\n\
             BEGIN:VTIMEZONE\r\nTZID:Odd\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
        );
        let first = import(&text, ISTANBUL, "en").unwrap().events;
        assert_eq!(first.len(), 5);
        let written = export(&first, utc("2026-11-23T12:00:00Z"));
        for line in written.split("\r\n") {
            assert!(line.len() <= 75);
        }
        assert!(written.contains("TZID=\"UTC+05:30\""), "{written}");
        let again = import(&written, Zone::Utc, "en").unwrap();
        assert!(again.notes.is_empty(), "{:?}", again.notes);
        let key = |e: &Event| (e.uid.clone(), e.recurrence_id);
        let mut a = first.clone();
        let mut b = again.events.clone();
        a.sort_by_key(key);
        b.sort_by_key(key);
        assert_eq!(a, b);
        assert_eq!(export(&b, utc("2026-11-23T12:00:00Z")), written);
    }

    #[test]
    fn exported_zones_describe_daylight_saving() {
        let lines = vtimezone("Europe/Berlin", Zone::Iana(chrono_tz::Europe::Berlin), 2026);
        let text = lines.join("\n");
        assert!(text.contains("BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"), "{text}");
        assert!(text.contains("BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"), "{text}");
        let istanbul = vtimezone("Europe/Istanbul", ISTANBUL, 2026).join("\n");
        assert!(istanbul.contains("TZOFFSETTO:+0300"), "{istanbul}");
        // A file whose zone is only its VTIMEZONE reads at the right offset in summer and winter.
        let unknown = Component {
            name: "VTIMEZONE".into(),
            components: parse(&calendar(
                &lines[2..lines.len() - 1]
                    .iter()
                    .map(|l| format!("{l}\r\n"))
                    .collect::<String>(),
            ))
            .unwrap()[0]
                .components
                .clone(),
            ..Default::default()
        };
        assert_eq!(
            offset_in_force(&unknown, local("2027-07-01 12:00")),
            Some(7200)
        );
        assert_eq!(
            offset_in_force(&unknown, local("2027-01-01 12:00")),
            Some(3600)
        );
        assert_eq!(parse_duration("P1W"), Some(7 * 86400));
        assert_eq!(parse_duration("-PT15M"), Some(-15 * 60));
        assert_eq!(parse_duration("P1DT2H"), Some(26 * 3600));
        assert_eq!(parse_duration("PT"), Some(0));
        assert_eq!(parse_duration("1H"), None);
        assert_eq!(parse_duration("PTH"), None);
        // The invalid DURATION of a public iCalendar test suite: too long, and no overflow.
        assert_eq!(parse_duration("P999999999999999999W"), Some(i64::MAX));
        assert_eq!(parse_duration("-P99999999999999999999D"), Some(-i64::MAX));
    }
}
