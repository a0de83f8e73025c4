//! A gzip stream stitched from pieces compressed once and pieces sent as they are.
//!
//! Every phone browser asks for gzip. A landing page is the same for every visitor but for
//! a few short parts, so its constant text is compressed once per campaign version, each
//! piece as a run of DEFLATE blocks ending byte-aligned and not final (a sync flush), and
//! each request's parts go between them as stored (uncompressed) blocks. A DEFLATE stream
//! may be any sequence of such blocks, and each compressed piece only refers back into
//! itself, so the whole decodes as the page. A request then costs the stored blocks'
//! five-byte headers and a CRC-32 over the page, not a compression of 16 KB
//! (RFC 1951 section 3.2.4, RFC 1952).

use actix_web::web::Bytes;
use flate2::{Compress, Compression, FlushCompress};

/// The member header: deflate, no name or time, unknown OS.
pub const HEADER: Bytes = Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/// The largest stored block DEFLATE allows.
const STORED_MAX: usize = u16::MAX as usize;

/// `text` as DEFLATE blocks, none final, ending on a byte boundary: a piece to splice.
pub fn deflate_piece(text: &[u8]) -> Bytes {
    let mut compress = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(text.len() / 2 + 64);
    loop {
        let read = compress.total_in() as usize;
        compress
            .compress_vec(&text[read..], &mut out, FlushCompress::Sync)
            .expect("deflating into memory cannot fail");
        // Done when all input is in and the flush did not run out of room.
        if compress.total_in() as usize == text.len() && out.len() < out.capacity() {
            return Bytes::from(out);
        }
        out.reserve(out.capacity().max(256));
    }
}

/// `text` as stored blocks, none final.
pub fn stored(text: &[u8]) -> Bytes {
    let blocks = text.len().div_ceil(STORED_MAX).max(1);
    let mut out = Vec::with_capacity(text.len() + 5 * blocks);
    for chunk in text.chunks(STORED_MAX) {
        let len = chunk.len() as u16;
        out.push(0); // not final, stored; the rest of the byte is padding
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    Bytes::from(out)
}

/// The final (empty) block and the member trailer: the CRC-32 and length of the whole text.
pub fn end(crc: u32, len: u64) -> Bytes {
    let mut out = Vec::with_capacity(13);
    out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(parts: &[Bytes]) -> Vec<u8> {
        let whole: Vec<u8> = parts.iter().flat_map(|p| p.to_vec()).collect();
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(whole.as_slice())
            .read_to_end(&mut text)
            .expect("a valid gzip member");
        text
    }

    #[test]
    fn compressed_and_stored_pieces_decode_as_one_text() {
        let constant = "<p>春茶上新，邀好友一起品鉴</p>".repeat(300);
        let per_request = ["", "token-123", &"x".repeat(70_000)];
        for part in per_request {
            let text = format!("{constant}{part}{constant}<b>{part}</b>");
            let mut crc = crc32fast::Hasher::new();
            crc.update(text.as_bytes());
            let parts = [
                HEADER,
                deflate_piece(constant.as_bytes()),
                stored(part.as_bytes()),
                deflate_piece(format!("{constant}<b>").as_bytes()),
                stored(part.as_bytes()),
                deflate_piece(b"</b>"),
                end(crc.finalize(), text.len() as u64),
            ];
            assert_eq!(gunzip(&parts), text.as_bytes());
        }
        // The constant text is compressed, not stored.
        assert!(deflate_piece(constant.as_bytes()).len() < constant.len() / 10);
    }

    #[test]
    fn a_wrong_checksum_is_refused_by_the_decoder() {
        let parts = [HEADER, deflate_piece(b"hello"), end(0, 5)];
        let whole: Vec<u8> = parts.iter().flat_map(|p| p.to_vec()).collect();
        let mut text = Vec::new();
        assert!(flate2::read::GzDecoder::new(whole.as_slice())
            .read_to_end(&mut text)
            .is_err());
    }
}
