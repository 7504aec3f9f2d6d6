//! What an image costs in a request, as OpenAI documents it for its vision models: low
//! detail is a flat 85 tokens; high detail scales the image to fit 2048×2048, then its
//! shortest side down to 768 px, and costs 85 + 170 per 512-px tile (1024×1024 → 765).
//! The size is read from the image's header (PNG, JPEG, GIF, WebP); an image whose size
//! cannot be read costs what a 1024×1024 one does, and the caller says it is a guess.
//! Pure; imports nothing of the crate.

/// What OpenAI charges for a 1024×1024 image in high detail: the guess for an unknown size.
pub const UNKNOWN_SIZE: usize = 765;

/// How closely the model looks at an image (the `detail` of an `image_url` part; "auto"
/// is high detail for anything larger than a thumbnail, so it is counted as high).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Low,
    High,
}

/// The tokens of an image of `width` × `height` pixels.
pub fn cost(width: u32, height: u32, detail: Detail) -> usize {
    if detail == Detail::Low || width == 0 || height == 0 {
        return 85;
    }
    let (mut w, mut h) = (f64::from(width), f64::from(height));
    let fit = (2048.0 / w.max(h)).min(1.0);
    (w, h) = (w * fit, h * fit);
    let shrink = (768.0 / w.min(h)).min(1.0);
    (w, h) = (w * shrink, h * shrink);
    let tiles = (w / 512.0).ceil() as usize * (h / 512.0).ceil() as usize;
    85 + 170 * tiles
}

/// The tokens of an image given as its file's bytes, and whether that is the documented
/// cost (`true`) or a guess (the size could not be read).
pub fn cost_of(bytes: &[u8], detail: Detail) -> (usize, bool) {
    match dimensions(bytes) {
        Some((w, h)) => (cost(w, h, detail), true),
        None if detail == Detail::Low => (85, true),
        None => (UNKNOWN_SIZE, false),
    }
}

/// Width and height from an image's header.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let be32 = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let be16 =
        |at: usize| Some(u32::from(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?)));
    let le16 =
        |at: usize| Some(u32::from(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?)));
    let le24 = |at: usize| {
        let b = bytes.get(at..at + 3)?;
        Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some((le16(6)?, le16(8)?));
    }
    if bytes.len() >= 30 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return match &bytes[12..16] {
            b"VP8 " => Some((le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)),
            b"VP8L" => {
                let b = &bytes[21..25];
                let w = 1 + (u32::from(b[0]) | (u32::from(b[1]) & 0x3F) << 8);
                let h = 1
                    + (u32::from(b[1]) >> 6
                        | u32::from(b[2]) << 2
                        | (u32::from(b[3]) & 0x0F) << 10);
                Some((w, h))
            }
            b"VP8X" => Some((1 + le24(24)?, 1 + le24(27)?)),
            _ => None,
        };
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // Walk the markers to the first start-of-frame, which holds the size.
        let mut at = 2;
        while at + 4 <= bytes.len() {
            if bytes[at] != 0xFF {
                return None;
            }
            let marker = bytes[at + 1];
            if marker == 0xFF {
                at += 1;
                continue;
            }
            let length = be16(at + 2)? as usize;
            let start_of_frame =
                matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            if start_of_frame {
                return Some((be16(at + 7)?, be16(at + 5)?));
            }
            at += 2 + length;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_openais_documented_examples() {
        assert_eq!(cost(1024, 1024, Detail::High), 765);
        // 2048×4096 → 1024×2048 → 768×1536: 2×3 tiles.
        assert_eq!(cost(2048, 4096, Detail::High), 1105);
        assert_eq!(cost(4096, 8192, Detail::Low), 85);
        // A thumbnail is one tile, not scaled up.
        assert_eq!(cost(4, 4, Detail::High), 255);
    }

    #[test]
    fn sizes_are_read_from_each_formats_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some((640, 480)));
        assert_eq!(dimensions(b"GIF89a\x20\x03\x58\x02"), Some((800, 600)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0xE0, 0x02, 0x80,
        ];
        assert_eq!(dimensions(&jpeg), Some((640, 480)));
        assert_eq!(cost_of(b"\x89PNG\r\n\x1a\n", Detail::High), (UNKNOWN_SIZE, false));
    }
}
