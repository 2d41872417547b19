//! The demo catalog: realistic electronics in every category, PKR prices. Fixed ids,
//! so seeding twice inserts nothing the second time.

use chrono::{Duration, TimeZone, Utc};
use mongodb::bson::oid::ObjectId;

use crate::domain::{NewProduct, Product};

/// The seller owning the demo products.
pub const DEMO_SELLER: &str = "user_demo_seller";

/// (name, category, price, offer price, tags, description)
type Row = (&'static str, &'static str, u32, u32, &'static [&'static str], &'static str);

const ROWS: &[Row] = &[
    ("Apple AirPods Pro (2nd gen)", "Earphone", 74_999, 68_999, &["apple", "anc", "wireless"], "Active noise cancellation, adaptive transparency and a MagSafe USB-C case."),
    ("Samsung Galaxy Buds2 Pro", "Earphone", 42_999, 37_499, &["samsung", "anc", "wireless"], "24-bit Hi-Fi sound, intelligent ANC and IPX7 water resistance."),
    ("Audionic Airbud 550", "Earphone", 5_499, 4_799, &["audionic", "budget", "wireless"], "Pakistani favourite with 40 hours of playback and quad-mic ENC."),
    ("Sony WF-1000XM5", "Earphone", 79_999, 0, &["sony", "anc", "hi-res"], "Sony's smallest flagship earbuds with industry-leading noise cancelling."),
    ("JBL Tune 230NC TWS", "Earphone", 17_999, 15_499, &["jbl", "anc", "bass"], "JBL Pure Bass sound with adaptive noise cancelling and 40 hours of battery."),
    ("Sony WH-1000XM5", "Headphone", 109_999, 99_999, &["sony", "anc", "over-ear"], "Eight microphones, 30 hours of battery and crystal-clear calls."),
    ("Bose QuietComfort Ultra", "Headphone", 124_999, 0, &["bose", "anc", "spatial audio"], "World-class quiet with immersive spatial audio."),
    ("JBL Tune 760NC", "Headphone", 24_999, 21_999, &["jbl", "anc", "foldable"], "Lightweight foldable over-ears with 35 hours of ANC playback."),
    ("Anker Soundcore Life Q30", "Headphone", 19_499, 16_999, &["anker", "anc", "budget"], "Hybrid ANC, Hi-Res audio and 40 hours of playtime."),
    ("Apple Watch Series 9 45mm", "Watch", 139_999, 129_999, &["apple", "smartwatch", "health"], "S9 chip, double-tap gesture and a brighter always-on display."),
    ("Samsung Galaxy Watch6 44mm", "Watch", 79_999, 69_999, &["samsung", "smartwatch", "wear os"], "Sleep coaching, BIA body composition and a bigger sapphire display."),
    ("Huawei Watch GT 4 46mm", "Watch", 54_999, 0, &["huawei", "smartwatch", "battery"], "Up to 14 days of battery with precise dual-band GPS."),
    ("Amazfit GTR 4", "Watch", 42_999, 38_999, &["amazfit", "gps", "fitness"], "150+ sports modes, dual-band GPS and Alexa built in."),
    ("Xiaomi Smart Band 8", "Watch", 11_999, 9_999, &["xiaomi", "fitness band", "budget"], "1.62\" AMOLED display and up to 16 days of battery."),
    ("iPhone 15 Pro 256GB", "Smartphone", 459_999, 449_999, &["apple", "iphone", "5g"], "Titanium design, A17 Pro chip and a 48MP main camera."),
    ("Samsung Galaxy S24 Ultra 256GB", "Smartphone", 429_999, 409_999, &["samsung", "galaxy ai", "s pen"], "Galaxy AI, 200MP camera and a built-in S Pen."),
    ("Google Pixel 8 128GB", "Smartphone", 214_999, 0, &["google", "pixel", "camera"], "Tensor G3, Magic Eraser and seven years of updates."),
    ("Infinix Note 40 Pro 256GB", "Smartphone", 64_999, 59_999, &["infinix", "fast charging", "budget"], "70W all-round FastCharge and a 120Hz curved AMOLED display."),
    ("Xiaomi Redmi Note 13 Pro 256GB", "Smartphone", 84_999, 79_999, &["xiaomi", "redmi", "200mp"], "200MP camera with OIS and a 1.5K AMOLED display."),
    ("Tecno Camon 30 256GB", "Smartphone", 62_999, 0, &["tecno", "camera", "selfie"], "50MP auto-focus selfie camera and 70W charging."),
    ("Apple MacBook Air 13\" M2 8/256", "Laptop", 299_999, 279_999, &["apple", "macbook", "m2"], "Fanless M2 performance in a 1.24 kg chassis with 18 hours of battery."),
    ("Dell Inspiron 15 3520 i5 12th Gen", "Laptop", 179_999, 169_999, &["dell", "windows", "office"], "Core i5-1235U, 8GB RAM, 512GB SSD and a 15.6\" FHD 120Hz display."),
    ("HP Victus 15 Ryzen 5 RTX 3050", "Laptop", 239_999, 0, &["hp", "gaming", "rtx"], "Ryzen 5 7535HS with RTX 3050 graphics for 1080p gaming."),
    ("Lenovo IdeaPad Slim 3 i3 13th Gen", "Laptop", 134_999, 124_999, &["lenovo", "student", "budget"], "Slim and light everyday laptop with a full HD IPS screen."),
    ("ASUS TUF Gaming F15 i7 RTX 4060", "Laptop", 359_999, 339_999, &["asus", "gaming", "rtx"], "Military-grade toughness, 144Hz display and RTX 4060 graphics."),
    ("Canon EOS R50 with 18-45mm", "Camera", 249_999, 234_999, &["canon", "mirrorless", "vlog"], "24.2MP APS-C mirrorless camera with 4K video for creators."),
    ("Sony Alpha ZV-E10 with 16-50mm", "Camera", 229_999, 0, &["sony", "vlog", "mirrorless"], "Interchangeable-lens vlog camera with product showcase mode."),
    ("GoPro HERO12 Black", "Camera", 134_999, 124_999, &["gopro", "action", "5.3k"], "5.3K60 video, HyperSmooth 6.0 and HDR photos."),
    ("DJI Osmo Pocket 3", "Camera", 169_999, 159_999, &["dji", "gimbal", "vlog"], "1-inch sensor pocket gimbal camera shooting 4K/120fps."),
    ("Fujifilm Instax Mini 12", "Camera", 24_999, 22_499, &["fujifilm", "instant", "gift"], "Instant camera with automatic exposure and close-up mode."),
    ("Anker 20W USB-C Charger", "Accessories", 3_999, 3_499, &["anker", "charger", "usb-c"], "Compact PD fast charger for iPhone and Android."),
    ("Baseus 20000mAh Power Bank 22.5W", "Accessories", 7_999, 6_999, &["baseus", "power bank", "fast charging"], "Digital display power bank that charges three devices at once."),
    ("Ugreen USB-C to Lightning Cable 1m", "Accessories", 2_499, 0, &["ugreen", "cable", "mfi"], "MFi-certified braided cable for 20W fast charging."),
    ("Logitech MX Master 3S", "Accessories", 29_999, 27_499, &["logitech", "mouse", "wireless"], "8K DPI tracking, quiet clicks and MagSpeed scrolling."),
    ("SanDisk Extreme 128GB microSDXC", "Accessories", 5_999, 4_999, &["sandisk", "memory card", "4k"], "A2 V30 card for 4K video on phones, drones and action cameras."),
    ("Spigen Ultra Hybrid Case iPhone 15 Pro", "Accessories", 4_499, 3_999, &["spigen", "case", "iphone"], "Clear, drop-tested case with air-cushion corners."),
];

/// The demo products, owned by [`DEMO_SELLER`], dated a day apart.
pub fn demo_products() -> Vec<Product> {
    let base = Utc.with_ymd_and_hms(2025, 5, 1, 9, 0, 0).single().unwrap_or_else(Utc::now);
    ROWS.iter()
        .enumerate()
        .filter_map(|(i, (name, category, price, offer, tags, description))| {
            let slug: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
            let new = NewProduct {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
                category: (*category).to_owned(),
                price: f64::from(*price),
                offer_price: f64::from(*offer),
                image: vec![format!("https://picsum.photos/seed/hme-{slug}/800/800")],
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                stock: None,
            };
            let date = base + Duration::days(i64::try_from(i).ok()?);
            let mut p = new.into_product(DEMO_SELLER, date);
            p.id = ObjectId::parse_str(format!("6650000000000000000000{:02x}", i + 1)).ok()?;
            p.promotion = i % 5 == 0;
            Some(p)
        })
        .collect()
}
