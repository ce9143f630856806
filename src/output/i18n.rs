//! Layer texts in the seven languages of the vocabulary (`label_languages`
//! of `styles/categories.json`: it, en, fr, ar, bn, uk, zh).
//!
//! The layer declarations keep Italian and English as the source texts; the
//! other languages come from one catalogue, `styles/layers_i18n.json`, keyed
//! by the English source text. A key may hold slots, so that one entry
//! translates every text built from the same sentence:
//!
//! - `{vN}` matches any text, kept as it is (a number of minutes, a method
//!   name, the text of a time window);
//! - `{tN}` matches a text that translates in its turn: a category label of
//!   the vocabulary, another catalogue entry (a travel mode), or a text that
//!   matches another key (an abstract a time window was appended to).
//!
//! A text with no letter in it (a class of numbers, `1.2 – 3.4`) is the same
//! in every language.

use super::LayerSchema;
use crate::catalogue::vocabulary;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CATALOGUE_JSON: &str = include_str!("../../styles/layers_i18n.json");

/// English source text (a key, maybe with slots) -> language -> translation.
type Catalogue = BTreeMap<String, BTreeMap<String, String>>;

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut document: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(CATALOGUE_JSON).expect("styles/layers_i18n.json is valid");
        let texts = document.remove("texts").expect("styles/layers_i18n.json has its texts");
        serde_json::from_value(texts).expect("styles/layers_i18n.json maps texts to languages")
    })
}

/// The languages layers are published in, Italian first (the vocabulary's label languages).
pub fn languages() -> &'static [String] {
    &vocabulary().label_languages
}

/// A piece of a catalogue key.
enum Piece<'a> {
    Literal(&'a str),
    /// A slot's name (`v1`, `t2`, ...); `t` slots translate.
    Slot(&'a str),
}

/// The pieces of a key: literal text and `{vN}` / `{tN}` slots.
fn pieces(key: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = key;
    while let Some(start) = rest.find(['{']) {
        let Some(length) = rest[start..].find('}') else { break };
        let name = &rest[start + 1..start + length];
        if !(name.starts_with(['v', 't']) && name.len() > 1 && name[1..].bytes().all(|b| b.is_ascii_digit())) {
            break;
        }
        if start > 0 {
            pieces.push(Piece::Literal(&rest[..start]));
        }
        pieces.push(Piece::Slot(name));
        rest = &rest[start + length + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest));
    }
    pieces
}

/// Binds the slots of `pieces` to the whole of `text` (values in `language`
/// for `t` slots), trying the shorter captures first.
fn bind(pieces: &[Piece], text: &str, language: &str, bound: &mut Vec<(String, String)>) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Literal(literal), rest)) => {
            text.strip_prefix(literal).is_some_and(|after| bind(rest, after, language, bound))
        }
        Some((Piece::Slot(name), rest)) => {
            let ends = text.char_indices().map(|(i, c)| i + c.len_utf8());
            for end in ends {
                let (captured, after) = text.split_at(end);
                let fits = match rest.first() {
                    Some(Piece::Literal(next)) => after.starts_with(next),
                    Some(Piece::Slot(_)) => true,
                    None => after.is_empty(),
                };
                if !fits {
                    continue;
                }
                let value = if name.starts_with('t') { translate(captured, language) } else { Some(captured.into()) };
                let Some(value) = value else { continue };
                bound.push((format!("{{{name}}}"), value));
                if bind(rest, after, language, bound) {
                    return true;
                }
                bound.pop();
            }
            false
        }
    }
}

/// `english` in `language` (a code of [`languages`] other than Italian):
/// from the catalogue or the vocabulary; `None` when neither has it.
pub fn translate(english: &str, language: &str) -> Option<String> {
    if language == "en" || !english.chars().any(char::is_alphabetic) {
        return Some(english.to_string());
    }
    let catalogue = catalogue();
    if let Some(translations) = catalogue.get(english) {
        return translations.get(language).cloned();
    }
    if let Some(category) = vocabulary().categories.iter().find(|c| c.labels.get("en").is_some_and(|l| l == english)) {
        return category.labels.get(language).cloned();
    }
    catalogue.iter().filter(|(key, _)| key.contains('{')).find_map(|(key, translations)| {
        let template = translations.get(language)?;
        let mut bound = Vec::new();
        bind(&pieces(key), english, language, &mut bound)
            .then(|| bound.iter().fold(template.clone(), |text, (slot, value)| text.replace(slot.as_str(), value)))
    })
}

/// A text in the two source languages of the declarations.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub it: String,
    pub en: String,
}

impl Source {
    pub fn new(it: impl Into<String>, en: impl Into<String>) -> Source {
        Source { it: it.into(), en: en.into() }
    }

    /// A text that reads the same in Italian and English (numbers, units).
    pub fn same(text: impl Into<String>) -> Source {
        let text = text.into();
        Source { it: text.clone(), en: text }
    }

    /// In `language`, `None` when untranslated.
    pub fn get(&self, language: &str) -> Option<String> {
        match language {
            "it" => Some(self.it.clone()),
            _ => translate(&self.en, language),
        }
    }

    /// In `language` (English when untranslated), or with no language
    /// "Italian / English" (once when they are the same).
    pub fn show(&self, language: Option<&str>) -> String {
        match language {
            Some(language) => self.get(language).unwrap_or_else(|| self.en.clone()),
            None if self.it == self.en || self.en.is_empty() => self.it.clone(),
            None => format!("{} / {}", self.it, self.en),
        }
    }
}

/// A layer's title, abstract and field aliases in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTexts {
    pub language: String,
    pub title: String,
    pub abstract_: String,
    /// `(field name, alias)`, in the order of the fields.
    pub aliases: Vec<(String, String)>,
}

impl LayerSchema {
    /// The source texts: title, abstract, then each field's title.
    fn sources(&self) -> Vec<Source> {
        let mut sources =
            vec![Source::new(&self.title_it, &self.title_en), Source::new(&self.abstract_it, &self.abstract_en)];
        sources.extend(self.fields.iter().map(|f| Source::new(&f.title_it, &f.title_en)));
        sources
    }

    /// The layer's texts in `language` (a code of [`languages`]), English
    /// where a text has no translation.
    pub fn texts(&self, language: &str) -> LayerTexts {
        let mut shown = self.sources().into_iter().map(|s| s.show(Some(language)));
        let title = shown.next().unwrap_or_default();
        let abstract_ = shown.next().unwrap_or_default();
        LayerTexts {
            language: language.to_string(),
            title,
            abstract_,
            aliases: self.fields.iter().map(|f| f.name.clone()).zip(shown).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_keep_values_and_translate_texts() {
        assert_eq!(translate("≤ 15 min", "zh").as_deref(), Some("≤ 15 分钟"));
        assert_eq!(translate("1.20 – 3.40", "ar").as_deref(), Some("1.20 – 3.40"));
        let label = &vocabulary().categories[0].labels;
        let text = format!("{}: minutes to the nearest service", label["en"]);
        let zh = translate(&text, "zh").unwrap();
        assert!(zh.contains(&label["zh"]) && !zh.contains(&label["en"]), "{zh}");
        // an abstract with a time window appended: both parts translate, the window's text is kept
        let abstract_ = "Time to the nearest service \
Desks weighed by the share of the window 'Mo 09:00-12:00' (week of 2024-03-04) they are open.";
        let fr = translate(abstract_, "fr").unwrap();
        assert!(fr.starts_with("Temps jusqu'au service le plus proche Guichets pondérés"), "{fr}");
        assert!(fr.contains("Mo 09:00-12:00") && fr.contains("2024-03-04"), "{fr}");
        assert_eq!(translate("no such text", "fr"), None);
    }

    #[test]
    fn every_catalogue_entry_has_every_language_and_its_slots() {
        for (key, translations) in catalogue() {
            let slots: Vec<&str> =
                pieces(key).into_iter().filter_map(|p| if let Piece::Slot(s) = p { Some(s) } else { None }).collect();
            for language in languages().iter().filter(|l| *l != "it" && *l != "en") {
                let text = translations.get(language).unwrap_or_else(|| panic!("'{key}' lacks {language}"));
                for slot in &slots {
                    assert!(text.contains(&format!("{{{slot}}}")), "'{key}' in {language} lacks {{{slot}}}");
                }
            }
        }
    }
}
