//! The README's Rust tour, as a program: `cargo run --example quickstart`. Keep the two in step.

use chrono::{TimeZone, Utc};
use crm_core::*;

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // Start from an empty store each run (the source below would otherwise exist already).
    for file in ["shop.crm", "shop.crm-wal", "shop.crm-shm"] {
        let _ = std::fs::remove_file(file);
    }

    let crm = Crm::open("shop.crm")?; // creates or migrates; ":memory:" works too
    let t = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 30, 0)
        .single()
        .ok_or("bad time")?;
    let olena = crm.add_manager(NewManager::new("Olena Koval"), t)?;
    let ads = crm.add_source(
        NewSource {
            name: "Google Ads".into(),
            channel: Channel::Ads,
            campaign: Some("winter".into()),
        },
        t,
    )?;

    let mut lead = NewLead::new(Channel::Web); // a web form arrives
    lead.source_id = Some(ads.id);
    lead.phone = Some("067 123 45 67".into());
    lead.need = Some("50 chairs for an office".into());
    lead.owner_id = Some(olena.id);
    let capture = crm.capture_lead(lead, t)?; // capture.warnings lists malformed contacts

    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.lead_id = Some(capture.lead.id);
    call.manager_id = Some(olena.id);
    crm.log_activity(call, t)?; // first response: new -> in_progress
    crm.qualify_lead(capture.lead.id, t)?; // a real need with a budget

    let conv = crm.convert_lead(
        capture.lead.id,
        ConvertLead {
            amount: Some(Money::parse("18000")?),
            ..Default::default()
        },
        t,
    )?;
    crm.move_deal(conv.deal_id, "proposal", t)?;
    crm.win_deal(conv.deal_id, t)?; // or crm.lose_deal(id, "price", Some("cheaper elsewhere"), t)
    crm.record_order(
        NewOrder {
            client_id: conv.client_id,
            total: Money::parse("18000")?,
            external_ref: Some("1C-5531".into()),
            ..Default::default()
        },
        t,
    )?; // idempotent by external_ref
    println!("{:?}", crm.client_rollup(conv.client_id)?); // revenue, orders, first and last order
    for event in crm.history("lead", capture.lead.id.0)? {
        println!("{} {} {}", event.at, event.actor, event.kind);
    }
    Ok(())
}
