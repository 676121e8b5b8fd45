//! Queue hierarchies in force in one layer: the national ones, each replaced
//! where an overlay (or one it extends) has an `override hierarchy`.
//!
//! `dxmap queue` and `dxmap graph hierarchy` show the hierarchies of the
//! baseline, of an overlay named with `--overlay`, or of the overlay a
//! postcode falls in (`--postcode`), chosen as routing chooses it (step 1):
//! the overlay whose `area` holds the most specific unit of the postcode
//! (sector, then district, then area), else the baseline. Routing itself
//! does not use hierarchies.
//!
//! Imports: `crate::check::model`, `crate::diagnostics`, `crate::geo`,
//! `dxmap_runtime::postcode`.

use crate::check::model::{self, LayerId, Model};
use crate::diagnostics::did_you_mean;

/// Where the hierarchies are wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The national baseline.
    Baseline,
    /// An overlay by name (`national` names the baseline).
    Overlay(String),
    /// The layer a postcode is routed in.
    Postcode(String),
}

/// Why a place names no layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    /// No layer has that name.
    #[error("unknown overlay `{name}`{hint}")]
    UnknownOverlay {
        /// The name given.
        name: String,
        /// A did-you-mean or the list of overlays, ready to append.
        hint: String,
    },
    /// The postcode does not parse as a UK postcode.
    #[error("`{0}` is not a UK postcode")]
    BadPostcode(String),
    /// The postcode's district is not in the geography.
    #[error("postcode `{postcode}`: district `{district}` is not in the geography")]
    UnknownDistrict {
        /// The postcode, normalised.
        postcode: String,
        /// Its district.
        district: String,
    },
}

/// The layer that `place` names in `model`.
pub fn layer_at(model: &Model, place: &Place) -> Result<LayerId, PlaceError> {
    match place {
        Place::Baseline => Ok(model::NATIONAL),
        Place::Overlay(name) => model
            .layers
            .iter()
            .position(|layer| &layer.name == name)
            .map(LayerId::from_index)
            .ok_or_else(|| {
                let overlays: Vec<&str> = model
                    .layers
                    .iter()
                    .skip(1)
                    .map(|layer| layer.name.as_str())
                    .collect();
                let hint = match (
                    did_you_mean(name, overlays.iter().copied()),
                    overlays.is_empty(),
                ) {
                    (Some(close), _) => format!("; did you mean `{close}`?"),
                    (None, true) => "; the rules declare no overlay".to_owned(),
                    (None, false) => format!("; overlays: {}", overlays.join(", ")),
                };
                PlaceError::UnknownOverlay {
                    name: name.clone(),
                    hint,
                }
            }),
        Place::Postcode(text) => {
            let postcode = dxmap_runtime::postcode::Postcode::parse(text)
                .ok_or_else(|| PlaceError::BadPostcode(text.clone()))?;
            if !crate::geo::Geography::bundled().contains(postcode.district()) {
                return Err(PlaceError::UnknownDistrict {
                    postcode: postcode.text.clone(),
                    district: postcode.district().to_owned(),
                });
            }
            Ok(layer_for_units(model, &postcode.units()))
        }
    }
}

/// The overlay whose area holds the first of `units` (most specific first)
/// that any overlay claims; the baseline if none does.
fn layer_for_units(model: &Model, units: &[&str]) -> LayerId {
    units
        .iter()
        .find_map(|unit| {
            model
                .layers
                .iter()
                .position(|layer| layer.area.iter().any(|claimed| claimed.text == *unit))
        })
        .map_or(model::NATIONAL, LayerId::from_index)
}

/// The hierarchies in force in `layer`, in the baseline's declaration order
/// (an override takes the place of the hierarchy it replaces).
pub fn in_force(model: &Model, layer: LayerId) -> Vec<&model::Hierarchy> {
    model
        .layer(layer)
        .map(|layer| {
            layer
                .hierarchies
                .iter()
                .filter_map(|id| model.hierarchies.get(id.index()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(src: &str) -> Model {
        use crate::source::FileId;
        let text = crate::catalogue::bundled("pathways-2020").unwrap();
        let (catalogue, found) = crate::catalogue::parse(FileId(1), text);
        assert!(found.is_empty(), "{found:?}");
        let (file, found) = crate::syntax::parse(FileId(0), src);
        assert!(found.is_empty(), "{found:?}");
        let (model, diagnostics) = crate::check::check(&[file], catalogue.unwrap());
        // The analyses find gaps in so small a tree; names must resolve.
        let family = crate::diagnostics::Family::Analysis;
        assert!(
            diagnostics
                .iter()
                .all(|d| !d.is_error() || d.code.family() == family),
            "{diagnostics:#?}"
        );
        model
    }

    #[test]
    fn overlays_and_postcodes_pick_the_hierarchies_in_force() {
        let model = model(
            r#"release "pathways-2020"
service_type clinician_queue "Clinician queue" { responds_within 2h }
hierarchy q { Dx32 > Dx321 }
rule "Clinician" { when dx in (Dx32, Dx321) route clinician_queue priority 10 }
service "Queue" id "Q1" { type clinician_queue catchment SO, TR hours { all_hours } }
overlay west extends national {
  area TR
  override hierarchy q { Dx321 > Dx32 } because "west takes Dx321 first"
}
overlay westward extends west { area TR1 }
"#,
        );
        let codes = |place: Place| -> Vec<String> {
            let layer = layer_at(&model, &place).unwrap();
            in_force(&model, layer)
                .iter()
                .flat_map(|h| h.codes.iter())
                .map(|(code, _)| model.catalogue.code(*code).to_owned())
                .collect()
        };
        assert_eq!(codes(Place::Baseline), ["Dx32", "Dx321"]);
        assert_eq!(codes(Place::Overlay("west".into())), ["Dx321", "Dx32"]);
        assert_eq!(codes(Place::Overlay("westward".into())), ["Dx321", "Dx32"]);
        assert_eq!(codes(Place::Postcode("tr27 4aa".into())), ["Dx321", "Dx32"]);
        assert_eq!(codes(Place::Postcode("SO16 7AB".into())), ["Dx32", "Dx321"]);
        assert_eq!(
            layer_at(&model, &Place::Postcode("TR1 3LJ".into())).unwrap(),
            LayerId::from_index(2)
        );
        assert!(matches!(
            layer_at(&model, &Place::Overlay("wets".into())),
            Err(PlaceError::UnknownOverlay { hint, .. }) if hint.contains("`west`")
        ));
        assert!(matches!(
            layer_at(&model, &Place::Postcode("nonsense".into())),
            Err(PlaceError::BadPostcode(_))
        ));
    }
}
