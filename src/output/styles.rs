//! Map styles of every output layer, from one source (the palettes and
//! category vocabulary of `styles/categories.json`): QML for QGIS and SLD 1.0
//! for GeoServer, stored in each GeoPackage's `layer_styles` table so that
//! QGIS opens the layers styled. Legends are in Italian and English, and
//! each style comes again with its legend in each of the seven languages
//! (`<name>_<language>` in `layer_styles`, see [`super::i18n`]).
//!
//! Graduated classes come from the data (quintiles), so styles are made when
//! a layer is written.

use super::i18n::{languages, Source};
use crate::catalogue::vocabulary;

/// One style of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStyle {
    /// What the style shows, as QGIS lists it (category and measure).
    pub name: String,
    /// The field the style draws (stored as the style's description, for scripts).
    pub field: String,
    pub qml: String,
    pub sld: String,
    /// The style QGIS applies when the layer is opened.
    pub default: bool,
    /// The same style with its legend in each language.
    pub translations: Vec<TranslatedStyle>,
}

/// A style with its legend in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslatedStyle {
    pub language: String,
    pub qml: String,
    pub sld: String,
}

impl LayerStyle {
    /// The name of the style in `language`, in `layer_styles`.
    pub fn name_in(&self, language: &str) -> String {
        format!("{}_{language}", self.name)
    }

    /// A style named `name` drawing `field`, whose QML and SLD `draw`
    /// writes with each legend text as the function it is given shows it:
    /// once in Italian / English, then once in each language.
    fn in_languages(
        name: String,
        field: &str,
        default: bool,
        draw: impl Fn(&dyn Fn(&Source) -> String) -> (String, String),
    ) -> LayerStyle {
        let (qml, sld) = draw(&|text: &Source| text.show(None));
        let translations = languages()
            .iter()
            .map(|language| {
                let (qml, sld) = draw(&|text: &Source| text.show(Some(language)));
                TranslatedStyle { language: language.clone(), qml, sld }
            })
            .collect();
        LayerStyle { name, field: field.into(), qml, sld, default, translations }
    }
}

/// A class of a graduated style: `[lower, upper)` (the last one closed).
#[derive(Debug, Clone, PartialEq)]
struct Class {
    lower: f64,
    upper: f64,
    colour: String,
    label: Source,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// The red, green and blue of `#rrggbb`.
fn channels(hex: &str) -> [u8; 3] {
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
    [channel(1), channel(3), channel(5)]
}

/// `#rrggbb` as QGIS's `r,g,b,255`.
fn rgba(hex: &str) -> String {
    let [red, green, blue] = channels(hex);
    format!("{red},{green},{blue},255")
}

/// `count` colours evenly along `palette` (interpolated between its colours),
/// from its first to its last, so that no two classes share a colour.
fn spread(palette: &[String], count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let position = if count > 1 { i as f64 * (palette.len() - 1) as f64 / (count - 1) as f64 } else { 0.0 };
            let below = (position.floor() as usize).min(palette.len() - 1);
            let above = (below + 1).min(palette.len() - 1);
            let t = position - below as f64;
            let (from, to) = (channels(&palette[below]), channels(&palette[above]));
            let mix = |k: usize| (f64::from(from[k]) + t * (f64::from(to[k]) - f64::from(from[k]))).round() as u8;
            format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2))
        })
        .collect()
}

/// The label of a category.
fn category_label(index: usize) -> Source {
    let labels = &vocabulary().categories[index].labels;
    Source::new(&labels["it"], &labels["en"])
}

/// What a style of one category shows, as its name and legend title.
pub fn category_measure(index: usize, measure_it: &str, measure_en: &str) -> Source {
    let labels = &vocabulary().categories[index].labels;
    Source::new(format!("{}: {measure_it}", labels["it"]), format!("{}: {measure_en}", labels["en"]))
}

/// SLD's well-known marks for QGIS marker names.
fn sld_mark(marker: &str) -> &'static str {
    match marker {
        "square" | "half_square" | "diamond" => "square",
        "triangle" | "trapezoid" => "triangle",
        "star" => "star",
        "cross_fill" => "cross",
        _ => "circle",
    }
}

fn qml_document(renderer: &str, labeling: &str) -> String {
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\">\n{renderer}{labeling}</qgis>\n"
    )
}

fn sld_document(layer: &str, title: &str, rules: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyledLayerDescriptor version=\"1.0.0\" xmlns=\"http://www.opengis.net/sld\" \
xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd\">\n\
<NamedLayer><Name>{}</Name><UserStyle><Name>{}</Name><Title>{}</Title><FeatureTypeStyle>\n{rules}</FeatureTypeStyle></UserStyle></NamedLayer>\n</StyledLayerDescriptor>\n",
        escape(layer),
        escape(layer),
        escape(title)
    )
}

fn marker_symbol(name: usize, colour: &str, marker: &str, size_mm: f64) -> String {
    format!(
        "<symbol type=\"marker\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\"><layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">\
<Option name=\"color\" type=\"QString\" value=\"{}\"/><Option name=\"name\" type=\"QString\" value=\"{marker}\"/>\
<Option name=\"size\" type=\"QString\" value=\"{size_mm}\"/><Option name=\"outline_color\" type=\"QString\" value=\"255,255,255,255\"/>\
<Option name=\"outline_width\" type=\"QString\" value=\"0.3\"/></Option></layer></symbol>\n",
        rgba(colour)
    )
}

fn line_symbol(name: usize, colour: &str, width_mm: f64) -> String {
    format!(
        "<symbol type=\"line\" name=\"{name}\" alpha=\"0.9\" clip_to_extent=\"1\" force_rhr=\"0\"><layer class=\"SimpleLine\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">\
<Option name=\"line_color\" type=\"QString\" value=\"{}\"/><Option name=\"line_width\" type=\"QString\" value=\"{width_mm}\"/>\
<Option name=\"capstyle\" type=\"QString\" value=\"round\"/></Option></layer></symbol>\n",
        rgba(colour)
    )
}

/// How a graduated layer's features are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Points,
    Lines,
    Areas,
}

impl Shape {
    pub fn of(polygons: bool) -> Shape {
        if polygons {
            Shape::Areas
        } else {
            Shape::Points
        }
    }
}

fn fill_symbol(name: usize, colour: &str, opacity: f64) -> String {
    format!(
        "<symbol type=\"fill\" name=\"{name}\" alpha=\"{opacity}\" clip_to_extent=\"1\" force_rhr=\"0\"><layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">\
<Option name=\"color\" type=\"QString\" value=\"{}\"/><Option name=\"style\" type=\"QString\" value=\"solid\"/>\
<Option name=\"outline_color\" type=\"QString\" value=\"90,90,90,255\"/><Option name=\"outline_width\" type=\"QString\" value=\"0.2\"/></Option></layer></symbol>\n",
        rgba(colour)
    )
}

fn name_labels() -> String {
    "<labeling type=\"simple\"><settings calloutType=\"simple\"><text-style fieldName=\"name\" fontSize=\"7\" textColor=\"40,40,40,255\" \
fontFamily=\"Sans Serif\" isExpression=\"0\"><text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferColor=\"255,255,255,255\"/></text-style>\
<placement placement=\"0\" dist=\"1.5\"/><rendering scaleVisibility=\"1\" scaleMin=\"1\" scaleMax=\"150000\"/></settings></labeling>\n".to_string()
}

/// Services by category: every category of a desk is drawn, each in its
/// colour and marker at its own place on a small ring round the desk (a dark
/// dot marks the desk itself), so a desk with several categories shows them
/// all; name labels.
pub fn services_style() -> LayerStyle {
    let v = vocabulary();
    let count = v.categories.len();
    let mut symbols = String::new();
    for (i, c) in v.categories.iter().enumerate() {
        // clockwise from the top, 2.8 mm out
        let angle = std::f64::consts::TAU * i as f64 / count as f64;
        let offset = (2.8 * angle.sin(), -2.8 * angle.cos());
        symbols.push_str(&ringed_marker_symbol(i, &c.colour, &c.marker, offset));
    }
    LayerStyle::in_languages("services".into(), "categories", true, |say| {
        let mut rules_qml = String::new();
        let mut rules = String::new();
        for (i, c) in v.categories.iter().enumerate() {
            let filter = escape(&format!("regexp_match(\"categories\", '(^|;){}(;|$)')", c.id));
            let label = escape(&say(&category_label(i)));
            rules_qml
                .push_str(&format!("<rule key=\"{}\" filter=\"{filter}\" symbol=\"{i}\" label=\"{label}\"/>\n", c.id));
            rules.push_str(&format!(
                "<Rule><Name>{}</Name><Title>{label}</Title><ogc:Filter><ogc:PropertyIsLike wildCard=\"*\" singleChar=\".\" escape=\"!\">\
<ogc:PropertyName>categories</ogc:PropertyName><ogc:Literal>*{}*</ogc:Literal></ogc:PropertyIsLike></ogc:Filter>\
<PointSymbolizer><Graphic><Mark><WellKnownName>{}</WellKnownName><Fill><CssParameter name=\"fill\">{}</CssParameter></Fill>\
<Stroke><CssParameter name=\"stroke\">#ffffff</CssParameter><CssParameter name=\"stroke-width\">1</CssParameter></Stroke></Mark><Size>11</Size></Graphic></PointSymbolizer></Rule>\n",
                c.id,
                c.id,
                sld_mark(&c.marker),
                c.colour
            ));
        }
        rules.push_str(
            "<Rule><Name>labels</Name><MaxScaleDenominator>150000</MaxScaleDenominator><TextSymbolizer><Label><ogc:PropertyName>name</ogc:PropertyName></Label>\
<Font><CssParameter name=\"font-size\">10</CssParameter></Font><LabelPlacement><PointPlacement><Displacement><DisplacementX>6</DisplacementX><DisplacementY>6</DisplacementY></Displacement></PointPlacement></LabelPlacement>\
<Halo><Radius>1.5</Radius><Fill><CssParameter name=\"fill\">#ffffff</CssParameter></Fill></Halo></TextSymbolizer></Rule>\n",
        );
        let renderer = format!(
            "<renderer-v2 type=\"RuleRenderer\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n\
<rules key=\"all\">\n{rules_qml}</rules>\n<symbols>\n{symbols}</symbols>\n</renderer-v2>\n"
        );
        let title = say(&Source::new("Servizi per categoria", "Services by category"));
        (qml_document(&renderer, &name_labels()), sld_document("services", &title, &rules))
    })
}

/// A category's marker, offset onto the ring round the desk, over a dark dot at the desk.
fn ringed_marker_symbol(name: usize, colour: &str, marker: &str, offset_mm: (f64, f64)) -> String {
    format!(
        "<symbol type=\"marker\" name=\"{name}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\
<layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">\
<Option name=\"color\" type=\"QString\" value=\"40,40,40,255\"/><Option name=\"name\" type=\"QString\" value=\"circle\"/>\
<Option name=\"size\" type=\"QString\" value=\"1.2\"/><Option name=\"outline_style\" type=\"QString\" value=\"no\"/></Option></layer>\
<layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">\
<Option name=\"color\" type=\"QString\" value=\"{}\"/><Option name=\"name\" type=\"QString\" value=\"{marker}\"/>\
<Option name=\"size\" type=\"QString\" value=\"3.2\"/><Option name=\"offset\" type=\"QString\" value=\"{:.2},{:.2}\"/>\
<Option name=\"offset_unit\" type=\"QString\" value=\"MM\"/><Option name=\"outline_color\" type=\"QString\" value=\"255,255,255,255\"/>\
<Option name=\"outline_width\" type=\"QString\" value=\"0.3\"/></Option></layer></symbol>\n",
        rgba(colour),
        offset_mm.0,
        offset_mm.1
    )
}

/// Suggested new sites: one large star.
pub fn sites_style() -> LayerStyle {
    let colour = &vocabulary().palettes.sites;
    let renderer = format!(
        "<renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"><symbols>\n{}</symbols></renderer-v2>\n",
        marker_symbol(0, colour, "star", 6.0)
    );
    LayerStyle::in_languages("suggested_sites".into(), "", true, |say| {
        let rules = format!(
            "<Rule><Name>site</Name><Title>{}</Title><PointSymbolizer><Graphic><Mark><WellKnownName>star</WellKnownName>\
<Fill><CssParameter name=\"fill\">{colour}</CssParameter></Fill></Mark><Size>18</Size></Graphic></PointSymbolizer></Rule>\n",
            escape(&say(&Source::new("Nuova sede suggerita", "Suggested new site")))
        );
        let title = say(&Source::new("Nuove sedi suggerite", "Suggested new sites"));
        (qml_document(&renderer, ""), sld_document("suggested_sites", &title, &rules))
    })
}

/// A graduated polygon style on `field`; `order_desc` draws the highest values
/// first (underneath); `worst_served` (times to a service) puts units never
/// reached in the last class and labels the last two classes at every scale.
#[allow(clippy::too_many_arguments)]
/// A graduated style: one field's values in classes.
struct Graduated<'a> {
    /// The style's name (category and measure), also its SLD title.
    name: &'a Source,
    layer: &'a str,
    field: &'a str,
    classes: &'a [Class],
    opacity: f64,
    /// Draw the largest values first.
    order_desc: bool,
    default: bool,
    shape: Shape,
    /// NULL (never reached) counts as the last class, whose names are shown.
    worst_served: bool,
    /// Draw only the rows whose field (first) has this value (second): one
    /// style per category of a table with a row per zone and category.
    only: Option<(&'a str, &'a str)>,
}

impl Graduated<'_> {
    fn style(&self) -> LayerStyle {
        let Graduated { name, layer, field, classes, opacity, order_desc, default, shape, worst_served, only } = *self;
        graduated(name, layer, field, classes, opacity, order_desc, default, shape, worst_served, only)
    }
}

#[allow(clippy::too_many_arguments)] // unpacked from Graduated, the one caller
fn graduated(
    name: &Source,
    layer: &str,
    field: &str,
    classes: &[Class],
    opacity: f64,
    order_desc: bool,
    default: bool,
    shape: Shape,
    worst_served: bool,
    only: Option<(&str, &str)>,
) -> LayerStyle {
    LayerStyle::in_languages(name.show(None), field, default, |say| {
        // a row of another category falls in no class
        let only_sld = only.map_or(String::new(), |(f, v)| {
            format!(
                "<ogc:PropertyIsEqualTo><ogc:PropertyName>{f}</ogc:PropertyName><ogc:Literal>{}</ogc:Literal></ogc:PropertyIsEqualTo>",
                escape(v)
            )
        });
        let mut ranges = String::new();
        let mut symbols = String::new();
        let mut rules = String::new();
        for (i, c) in classes.iter().enumerate() {
            ranges.push_str(&format!(
                "<range render=\"true\" lower=\"{}\" upper=\"{}\" symbol=\"{i}\" label=\"{}\"/>\n",
                c.lower,
                c.upper,
                escape(&say(&c.label))
            ));
            // lines widen with their class, so that the largest flows stand out
            let width_mm = 0.3 + 0.5 * i as f64;
            symbols.push_str(&match shape {
                Shape::Areas => fill_symbol(i, &c.colour, opacity),
                Shape::Points => marker_symbol(i, &c.colour, "circle", 4.0),
                Shape::Lines => line_symbol(i, &c.colour, width_mm),
            });
            // the last class and a one-value class (no gap) include their upper bound
            let upper_op = if i + 1 == classes.len() || c.lower == c.upper {
                "PropertyIsLessThanOrEqualTo"
            } else {
                "PropertyIsLessThan"
            };
            let symbolizer = match shape {
                Shape::Areas => format!(
                    "<PolygonSymbolizer><Fill><CssParameter name=\"fill\">{}</CssParameter><CssParameter name=\"fill-opacity\">{opacity}</CssParameter></Fill>\
    <Stroke><CssParameter name=\"stroke\">#5a5a5a</CssParameter><CssParameter name=\"stroke-width\">0.5</CssParameter></Stroke></PolygonSymbolizer>",
                    c.colour
                ),
                Shape::Points => format!(
                    "<PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName><Fill><CssParameter name=\"fill\">{}</CssParameter></Fill></Mark>\
    <Size>12</Size></Graphic></PointSymbolizer>",
                    c.colour
                ),
                Shape::Lines => format!(
                    "<LineSymbolizer><Stroke><CssParameter name=\"stroke\">{}</CssParameter><CssParameter name=\"stroke-width\">{}</CssParameter></Stroke></LineSymbolizer>",
                    c.colour,
                    (width_mm * 3.78).round()
                ),
            };
            if worst_served && i + 1 == classes.len() {
                rules.push_str(&format!(
                    "<Rule><Name>none</Name><Title>{}</Title><ogc:Filter><ogc:PropertyIsNull><ogc:PropertyName>{field}</ogc:PropertyName>\
    </ogc:PropertyIsNull></ogc:Filter>{symbolizer}</Rule>\n",
                    escape(&say(&c.label))
                ));
            }
            rules.push_str(&format!(
                "<Rule><Name>class{i}</Name><Title>{}</Title><ogc:Filter><ogc:And>{only_sld}<ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyName>{field}</ogc:PropertyName>\
    <ogc:Literal>{}</ogc:Literal></ogc:PropertyIsGreaterThanOrEqualTo><ogc:{upper_op}><ogc:PropertyName>{field}</ogc:PropertyName><ogc:Literal>{}</ogc:Literal>\
    </ogc:{upper_op}></ogc:And></ogc:Filter>{symbolizer}</Rule>\n",
                escape(&say(&c.label)),
                c.lower,
                c.upper
            ));
        }
        let order = if order_desc {
            format!("<orderby><orderByClause asc=\"0\" nullsFirst=\"0\">\"{field}\"</orderByClause></orderby>")
        } else {
            String::new()
        };
        // none (never reached) counts as the last class
        let attr = match (classes.last(), only) {
            (Some(last), _) if worst_served => escape(&format!("coalesce(\"{field}\", {})", last.upper)),
            (_, Some((f, v))) => escape(&format!("if(\"{f}\" = '{}', \"{field}\", NULL)", v.replace('\'', "''"))),
            _ => field.to_string(),
        };
        let renderer = format!(
            "<renderer-v2 type=\"graduatedSymbol\" attr=\"{attr}\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" enableorderby=\"{}\" forceraster=\"0\">\n\
    <ranges>\n{ranges}</ranges>\n<symbols>\n{symbols}</symbols>\n{order}</renderer-v2>\n",
            order_desc as u8
        );
        let labeling = match classes.len().checked_sub(2) {
            Some(i) if worst_served => worst_labels(field, classes[i].lower),
            _ => String::new(),
        };
        (qml_document(&renderer, &labeling), sld_document(layer, &say(name), &rules))
    })
}

/// Travel-time bands (minutes), the slowest most alarming, drawn largest first;
/// `title` names what they measure (the style's name and legend title).
/// With `label_worst` (units' times to a service), units never reached fall in
/// the last class, and the names of units in the last two classes show at every scale.
pub fn bands_style(
    layer: &str,
    field: &str,
    title: &Source,
    bands_min: &[f64],
    polygons: bool,
    label_worst: bool,
) -> LayerStyle {
    let palette = &vocabulary().palettes.bands;
    let mut lower = 0.0;
    let classes: Vec<Class> = bands_min
        .iter()
        .enumerate()
        .map(|(i, &upper)| {
            let class = Class {
                lower,
                upper,
                colour: palette[i.min(palette.len() - 1)].clone(),
                label: match (upper >= 1e5, label_worst) {
                    (true, true) => Source::new(format!("> {lower} min o mai"), format!("> {lower} min or never")),
                    (true, false) => Source::same(format!("> {lower} min")),
                    _ => Source::same(format!("≤ {upper} min")),
                },
            };
            lower = upper;
            class
        })
        .collect();
    Graduated {
        name: title,
        layer,
        field,
        classes: &classes,
        opacity: 0.6,
        order_desc: true,
        default: true,
        shape: Shape::of(polygons),
        worst_served: label_worst,
        only: None,
    }
    .style()
}

/// Labels, at every scale, the names of the units whose `field` is above
/// `from` or never reached: the worst served read at the scale of the whole
/// metropolitan area.
fn worst_labels(field: &str, from: f64) -> String {
    let filter = escape(&format!("\"{field}\" > {from} OR \"{field}\" IS NULL"));
    format!(
        "<labeling type=\"rule-based\"><rules key=\"worst\"><rule key=\"worst-{field}\" filter=\"{filter}\" description=\"worst served\">\
<settings calloutType=\"simple\"><text-style fieldName=\"name\" fontSize=\"8\" fontWeight=\"75\" textColor=\"120,0,20,255\" \
fontFamily=\"Sans Serif\" isExpression=\"0\"><text-buffer bufferDraw=\"1\" bufferSize=\"1\" bufferColor=\"255,255,255,255\"/></text-style>\
<placement placement=\"0\" dist=\"0\"/><rendering scaleVisibility=\"0\" obstacle=\"1\"/></settings></rule></rules></labeling>\n"
    )
}

/// A number with three significant digits (no exponent), for legends.
fn readable(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let decimals = (2 - value.abs().log10().floor() as i32).max(0) as usize;
    format!("{value:.decimals$}")
}

/// Class breaks at the quintiles of `values` (finite ones), ascending, deduplicated.
fn quintiles(values: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return vec![0.0, 0.0];
    }
    let mut breaks: Vec<f64> =
        (0..=5).map(|q| sorted[((q as f64 / 5.0) * (sorted.len() - 1) as f64).round() as usize]).collect();
    breaks.dedup();
    if breaks.len() == 1 {
        breaks.push(breaks[0]);
    }
    breaks
}

/// One graduated style per `(field, title, values)`, at the quintiles of the
/// values: accessibility (sequential, lowest most alarming) or gaps
/// (diverging, no gap blue); the title names the style and its legend.
pub fn quintile_styles(
    layer: &str,
    fields: &[(String, Source, Vec<f64>)],
    diverging: bool,
    polygons: bool,
) -> Vec<LayerStyle> {
    let v = vocabulary();
    let palette = if diverging { &v.palettes.gaps } else { &v.palettes.access };
    fields
        .iter()
        .enumerate()
        .map(|(n, (field, title, values))| {
            // gaps: most units often have none; "no gap" is a class of its own and
            // the quintiles are those of the units with a gap
            let no_gap = diverging && values.contains(&0.0) && values.iter().any(|v| *v > 0.0);
            let mut classes = Vec::new();
            if no_gap {
                let label = Source::new("0: nessuna carenza", "0: no gap");
                classes.push(Class { lower: 0.0, upper: 0.0, colour: palette[0].clone(), label });
            }
            let ranked: Vec<f64> = values.iter().copied().filter(|v| !no_gap || *v > 0.0).collect();
            // the units with a gap go from the palette's neutral middle to its most alarming end
            classes.extend(quintile_classes(&ranked, &palette[if no_gap { palette.len() / 2 } else { 0 }..]));
            Graduated {
                name: title,
                layer,
                field,
                classes: &classes,
                opacity: 0.8,
                order_desc: false,
                default: n == 0,
                shape: Shape::of(polygons),
                worst_served: false,
                only: None,
            }
            .style()
        })
        .collect()
}

/// Counts of requests along lines (flows, referrals): five classes at the
/// quintiles of `values`, from pale to dark and thin to wide.
pub fn flows_style(layer: &str, field: &str, title: &Source, values: &[f64]) -> LayerStyle {
    // the bands' palette goes from pale to dark: more requests, darker
    let classes = quintile_classes(values, &vocabulary().palettes.bands);
    Graduated {
        name: title,
        layer,
        field,
        classes: &classes,
        opacity: 0.9,
        order_desc: false,
        default: true,
        shape: Shape::Lines,
        worst_served: false,
        only: None,
    }
    .style()
}

/// One graduated style per category of a layer with a row per zone and
/// category: each draws `field` of its category's rows only, in five classes
/// at the quintiles of its values (pale to dark: more is darker), named by
/// the category and `measure_it` / `measure_en`; the first is the default
/// when `first_is_default`.
pub fn per_category_styles(
    layer: &str,
    field: &str,
    measure_it: &str,
    measure_en: &str,
    values: &[(usize, Vec<f64>)],
    shape: Shape,
    first_is_default: bool,
) -> Vec<LayerStyle> {
    let v = vocabulary();
    values
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .enumerate()
        .map(|(n, (category, values))| {
            let classes = quintile_classes(values, &v.palettes.bands);
            let name = category_measure(*category, measure_it, measure_en);
            Graduated {
                name: &name,
                layer,
                field,
                classes: &classes,
                opacity: 0.8,
                order_desc: false,
                default: first_is_default && n == 0,
                shape,
                worst_served: false,
                only: Some(("category", &v.categories[*category].id)),
            }
            .style()
        })
        .collect()
}

/// Classes at the quintiles of `values`, coloured by `palette` spread over the classes there are.
fn quintile_classes(values: &[f64], palette: &[String]) -> Vec<Class> {
    let breaks = quintiles(values);
    spread(palette, breaks.len() - 1)
        .into_iter()
        .enumerate()
        .map(|(i, colour)| Class {
            lower: breaks[i],
            upper: breaks[i + 1],
            colour,
            label: Source::same(format!("{} – {}", readable(breaks[i]), readable(breaks[i + 1]))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_numbers_are_readable() {
        assert_eq!(readable(0.0012345), "0.00123");
        assert_eq!(readable(13318.0), "13318");
        assert_eq!(readable(5.0), "5.00");
    }

    #[test]
    fn quintile_breaks_by_hand() {
        let values: Vec<f64> = (0..=10).map(f64::from).collect();
        assert_eq!(quintiles(&values), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(quintiles(&[3.0, 3.0, 3.0]), vec![3.0, 3.0]);
    }

    #[test]
    fn per_category_styles_draw_only_their_category() {
        let legal = vocabulary().categories.iter().position(|c| c.id == "legal").unwrap();
        let values = vec![(legal, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])];
        let styles = per_category_styles("zones", "rate", "tasso", "rate", &values, Shape::Areas, true);
        assert_eq!(styles.len(), 1);
        let style = &styles[0];
        assert!(style.default && style.name.contains("rate") && style.name.contains("Legal help"));
        assert!(style.qml.contains("attr=\"if(&quot;category&quot; = &apos;legal&apos;, &quot;rate&quot;, NULL)\""));
        let rule = "<ogc:And><ogc:PropertyIsEqualTo><ogc:PropertyName>category</ogc:PropertyName><ogc:Literal>legal</ogc:Literal>";
        assert_eq!(style.sld.matches(rule).count(), 5, "every class's rule is limited to the category");
    }

    #[test]
    fn spread_colours_by_hand() {
        let palette = ["#000000".to_string(), "#ff0080".to_string()];
        assert_eq!(spread(&palette, 3), ["#000000", "#800040", "#ff0080"]);
        assert_eq!(spread(&palette, 1), ["#000000"]);
        let five: Vec<String> = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"].map(String::from).to_vec();
        assert_eq!(spread(&five, 5), five);
    }

    #[test]
    fn units_without_a_gap_are_a_class_of_their_own() {
        // 30 units without a gap and five with: "no gap", then the quintiles of the five
        let mut scores = vec![0.0; 30];
        scores.extend([10.0, 20.0, 30.0, 40.0, 50.0]);
        let style = &quintile_styles("units", &[("legal_gap_score".into(), Source::same("t"), scores)], true, true)[0];
        for (lower, upper) in [(0, 0), (10, 20), (20, 30), (30, 40), (40, 50)] {
            assert!(style.qml.contains(&format!("lower=\"{lower}\" upper=\"{upper}\"")), "{lower}-{upper}");
        }
        assert_eq!(style.qml.matches("<range ").count(), 5);
        assert!(style.qml.contains("label=\"0: nessuna carenza / 0: no gap\""));
        // "no gap" in the palette's first colour; the gaps from its neutral middle to its most alarming end
        let gaps = &vocabulary().palettes.gaps;
        for colour in [&gaps[0], &gaps[gaps.len() / 2], &gaps[gaps.len() - 1]] {
            assert!(style.sld.contains(colour.as_str()), "{colour}");
        }
        assert!(!style.sld.contains(gaps[1].as_str()));
        // in the SLD the "no gap" rule is 0 <= score <= 0, not an empty 0 <= score < 0
        assert!(style.sld.contains("<ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>legal_gap_score</ogc:PropertyName><ogc:Literal>0</ogc:Literal>"));
    }

    #[test]
    fn units_never_reached_fall_in_the_last_class_and_the_worst_are_named() {
        let style = bands_style("units", "legal_nearest_min", &Source::same("t"), &[15.0, 30.0, 1e6], true, true);
        assert!(style.qml.contains("attr=\"coalesce(&quot;legal_nearest_min&quot;, 1000000)\""));
        assert!(style
            .qml
            .contains("filter=\"&quot;legal_nearest_min&quot; &gt; 15 OR &quot;legal_nearest_min&quot; IS NULL\""));
        assert!(style.qml.contains("label=\"&gt; 30 min o mai / &gt; 30 min or never\""));
        assert!(style.sld.contains("<ogc:PropertyIsNull><ogc:PropertyName>legal_nearest_min</ogc:PropertyName>"));
        let areas = bands_style("travel_areas", "band_min", &Source::same("t"), &[15.0, 30.0], true, false);
        assert!(!areas.qml.contains("labeling") && !areas.sld.contains("PropertyIsNull"));
    }

    #[test]
    fn services_style_has_every_category_colour_in_both_formats() {
        let style = services_style();
        for c in &vocabulary().categories {
            assert!(style.qml.contains(&rgba(&c.colour)) && style.sld.contains(&c.colour), "{}", c.id);
        }
        assert!(style.qml.contains("Permesso di soggiorno e assistenza legale / Legal help and residence permits"));
    }
}
