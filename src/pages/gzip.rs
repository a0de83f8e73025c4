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

/// The CRC-32 of a text's end, given the CRC of what comes before it, in place of running
/// the CRC over the text: the four tables of [`CrcShift`] and the text's own register.
///
/// CRC-32 is linear over GF(2): its register run from `r` over a text `t` is the register
/// run from zero over `t`, XOR `r` run over as many zero bytes as `t` has; the latter is
/// linear in `r`, so it is four lookups in tables made from `r`'s 32 bits. A landing page
/// is ~16 KB of constant text and a few short holes; running the CRC over all of it was
/// 2% of a view's CPU on one core.
pub struct CrcShift {
    /// The text's register run from zero.
    alone: u32,
    /// `tables[k][b]`: the zero-byte run of a register holding `b` in its byte `k`.
    tables: Box<[[u32; 256]; 4]>,
}

/// The CRC-32 register run from `register` over `data` (crc32fast keeps the finished,
/// inverted value between updates).
fn run(register: u32, data: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new_with_initial(!register);
    crc.update(data);
    !crc.finalize()
}

impl CrcShift {
    pub fn new(text: &[u8]) -> Self {
        let zeros = vec![0u8; text.len()];
        let bits: Vec<u32> = (0..32).map(|bit| run(1 << bit, &zeros)).collect();
        let mut tables = Box::new([[0u32; 256]; 4]);
        for (k, table) in tables.iter_mut().enumerate() {
            for (byte, entry) in table.iter_mut().enumerate() {
                *entry = (0..8)
                    .filter(|bit| byte & (1 << bit) != 0)
                    .fold(0, |acc, bit| acc ^ bits[8 * k + bit]);
            }
        }
        CrcShift {
            alone: run(0, text),
            tables,
        }
    }

    /// The CRC-32 of what `crc` was the CRC of, followed by the text.
    pub fn after(&self, crc: u32) -> u32 {
        let r = (!crc).to_le_bytes();
        let t = &self.tables;
        !(self.alone
            ^ t[0][usize::from(r[0])]
            ^ t[1][usize::from(r[1])]
            ^ t[2][usize::from(r[2])]
            ^ t[3][usize::from(r[3])])
    }
}

/// The CRC-32 of what `crc` was the CRC of, followed by `data`.
pub fn crc_after(crc: u32, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new_with_initial(crc);
    hasher.update(data);
    hasher.finalize()
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
    fn a_crc_carried_over_constant_texts_equals_the_crc_of_the_whole() {
        let texts: [&[u8]; 4] = [b"", b"a", "<p>春茶上新</p>".as_bytes(), &[0xff; 5000]];
        let holes: [&[u8]; 3] = [b"", b"token-123", &[0u8; 70]];
        for text in texts {
            let shift = CrcShift::new(text);
            for hole in holes {
                let before = crc32fast::hash(hole);
                let mut whole = hole.to_vec();
                whole.extend_from_slice(text);
                assert_eq!(shift.after(before), crc32fast::hash(&whole));
                whole.extend_from_slice(hole);
                assert_eq!(
                    crc_after(shift.after(before), hole),
                    crc32fast::hash(&whole)
                );
            }
        }
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
