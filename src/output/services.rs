//! The `services` output layer: the catalogue as read, public contact data
//! of service desks (no person is named).

use super::{styles, FieldKind, FieldSchema, GeometryKind, Granularity, LayerSchema, OutputLayer, Role, Value};
use crate::catalogue::{vocabulary, Service};

/// `(name, kind, role, title_it, title_en)` of each catalogue field, in output order.
const FIELDS: [(&str, FieldKind, Role, &str, &str); 16] = [
    ("id", FieldKind::Text, Role::Id, "Identificativo", "Identifier"),
    ("name", FieldKind::Text, Role::Label, "Nome", "Name"),
    ("operator", FieldKind::Text, Role::Attribute, "Gestore", "Operator"),
    ("operator_kind", FieldKind::Text, Role::Attribute, "Tipo di gestore", "Kind of operator"),
    ("categories", FieldKind::Text, Role::Category, "Categorie", "Categories"),
    ("languages", FieldKind::Text, Role::Attribute, "Lingue", "Languages"),
    ("opening_hours", FieldKind::Text, Role::Attribute, "Orari", "Opening hours"),
    ("address", FieldKind::Text, Role::Attribute, "Indirizzo", "Address"),
    ("municipality_istat", FieldKind::Text, Role::Attribute, "Comune (codice ISTAT)", "Municipality (ISTAT code)"),
    ("phone", FieldKind::Text, Role::Attribute, "Telefono", "Phone"),
    ("email", FieldKind::Text, Role::Attribute, "E-mail", "E-mail"),
    ("website", FieldKind::Text, Role::Attribute, "Sito web", "Website"),
    ("appointment_required", FieldKind::Integer, Role::Attribute, "Su appuntamento", "By appointment"),
    ("wheelchair", FieldKind::Text, Role::Attribute, "Accesso senza gradini", "Step-free access"),
    ("capacity", FieldKind::Real, Role::Attribute, "Capacità (utenti a settimana)", "Capacity (users per week)"),
    ("updated_at", FieldKind::Text, Role::Attribute, "Aggiornato il", "Updated on"),
];

/// The schema of the `services` layer.
pub fn services_schema() -> LayerSchema {
    LayerSchema {
        name: "services".into(),
        granularity: Granularity::Service,
        title_it: "Servizi per i migranti".into(),
        title_en: "Services for migrants".into(),
        abstract_it: "Sportelli e infopoint per cittadini stranieri: categorie, lingue, orari, contatti.".into(),
        abstract_en: "Desks and infopoints for foreign residents: categories, languages, opening hours, contacts."
            .into(),
        fields: FIELDS
            .iter()
            .map(|&(name, kind, role, it, en)| {
                let unit = (name == "capacity").then_some("users/week");
                FieldSchema::new(name, kind, role, unit, it, en)
            })
            .collect(),
    }
}

/// The `services` layer of a catalogue.
pub fn services_layer(services: &[Service]) -> OutputLayer {
    let vocabulary = vocabulary();
    let rows = services
        .iter()
        .map(|s| {
            let categories: Vec<&str> = s.categories.indices().map(|i| vocabulary.categories[i].id.as_str()).collect();
            let values = vec![
                Value::text(&s.id),
                Value::text(&s.name),
                Value::text(&s.operator),
                s.operator_kind.map_or(Value::Null, |k| Value::text(k.as_str())),
                Value::text(&categories.join(";")),
                Value::text(&s.languages.join(";")),
                Value::text(&s.opening_hours),
                Value::text(&s.address),
                Value::text(&s.municipality_istat),
                Value::text(&s.phone),
                Value::text(&s.email),
                Value::text(&s.website),
                s.appointment_required.map_or(Value::Null, |b| Value::Integer(b as i64)),
                s.wheelchair.map_or(Value::Null, |w| Value::text(w.as_str())),
                Value::Real(s.capacity),
                Value::text(&s.updated_at),
            ];
            (Some(geo::Geometry::Point(geo::Point::new(s.x, s.y))), values)
        })
        .collect();
    OutputLayer {
        schema: services_schema(),
        geometry: Some(GeometryKind::Point),
        rows,
        styles: vec![styles::services_style()],
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_layer_has_the_catalogue_fields_in_order() {
        let names: Vec<String> = super::services_schema().fields.into_iter().map(|f| f.name).collect();
        assert_eq!(names, crate::catalogue::FIELDS);
    }
}
