//! The demo catalog: realistic electronics in every category, PKR prices. Fixed ids,
//! so seeding twice inserts nothing the second time.
//!
//! Its images never come from an internet host: [`demo_image_png`] generates a small
//! PNG per category in code, which the composition root stores in the configured image
//! backend (the local media store by default) and hands to [`demo_products`] as URLs.
//! Without an image backend a category gets [`fallback_image`], an inline SVG `data:`
//! URL (next/image renders `data:` URLs without any configuration).

use std::collections::HashMap;

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

/// The categories of the demo catalog, each with its colour (RGB).
pub const DEMO_CATEGORIES: &[(&str, [u8; 3])] = &[
    ("Earphone", [0x3b, 0x82, 0xf6]),
    ("Headphone", [0x8b, 0x5c, 0xf6]),
    ("Watch", [0x10, 0xb9, 0x81]),
    ("Smartphone", [0xf5, 0x9e, 0x0b]),
    ("Laptop", [0x64, 0x74, 0x8b]),
    ("Camera", [0xef, 0x44, 0x44]),
    ("Accessories", [0x06, 0xb6, 0xd4]),
];

fn colour(category: &str) -> [u8; 3] {
    DEMO_CATEGORIES.iter().find(|(c, _)| *c == category).map_or([0x94, 0xa3, 0xb8], |(_, rgb)| *rgb)
}

/// The demo image URL of a category without an image backend: an inline SVG.
pub fn fallback_image(category: &str) -> String {
    let [r, g, b] = colour(category);
    format!("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='256' height='256'%3E%3Crect width='256' height='256' fill='%23{r:02x}{g:02x}{b:02x}'/%3E%3C/svg%3E")
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for x in bytes {
        a = (a + u32::from(*x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// Side of the generated demo images, pixels.
pub const DEMO_IMAGE_SIZE: u32 = 256;

/// A generated PNG for `category` (256 x 256, RGB): the category's colour with a
/// lighter rounded "device" in the middle. Uncompressed (stored deflate blocks), about
/// 200 KB; deterministic.
pub fn demo_image_png(category: &str) -> Vec<u8> {
    let n = DEMO_IMAGE_SIZE;
    let [r, g, b] = colour(category);
    let light = |c: u8| c + (255 - c) / 2;
    let mut raw = Vec::with_capacity(usize::try_from(n * (n * 3 + 1)).unwrap_or(0));
    for y in 0..n {
        raw.push(0);
        for x in 0..n {
            let (dx, dy) = (x.abs_diff(n / 2), y.abs_diff(n / 2));
            let inside = dx < n / 4 && dy < n / 3 && !(dx > n / 4 - 12 && dy > n / 3 - 12);
            raw.extend_from_slice(&if inside { [light(r), light(g), light(b)] } else { [r, g, b] });
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&n.to_be_bytes());
    ihdr.extend_from_slice(&n.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// The demo products, owned by [`DEMO_SELLER`], dated a day apart; each one's image is
/// its category's URL in `images`, else [`fallback_image`].
pub fn demo_products(images: &HashMap<String, String>) -> Vec<Product> {
    let base = Utc.with_ymd_and_hms(2025, 5, 1, 9, 0, 0).single().unwrap_or_else(Utc::now);
    ROWS.iter()
        .enumerate()
        .filter_map(|(i, (name, category, price, offer, tags, description))| {
            let new = NewProduct {
                name: (*name).to_owned(),
                description: (*description).to_owned(),
                category: (*category).to_owned(),
                price: f64::from(*price),
                offer_price: f64::from(*offer),
                image: vec![images.get(*category).cloned().unwrap_or_else(|| fallback_image(category))],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_png_is_well_formed() {
        let png = demo_image_png("Camera");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes([png[16], png[17], png[18], png[19]]), DEMO_IMAGE_SIZE);
        let ihdr_crc = u32::from_be_bytes([png[29], png[30], png[31], png[32]]);
        assert_eq!(ihdr_crc, crc32(&png[12..29]));
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926, "the standard CRC-32 check value");
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn no_demo_image_comes_from_an_internet_host() {
        for p in demo_products(&HashMap::new()) {
            assert!(p.image[0].starts_with("data:image/svg+xml,"), "{}", p.image[0]);
        }
        let urls: HashMap<String, String> = DEMO_CATEGORIES.iter().map(|(c, _)| ((*c).to_owned(), format!("/media/{c}.png"))).collect();
        assert!(demo_products(&urls).iter().all(|p| p.image[0] == format!("/media/{}.png", p.category)));
    }
}
