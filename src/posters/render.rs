// PLACEHOLDER until the renderer lands (being written in parallel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterFormat { Png, Jpeg }
pub struct PosterLayout { pub qr_x: u32, pub qr_y: u32, pub qr_size: u32, pub name_x: Option<u32>, pub name_y: Option<u32>, pub name_size: Option<u32>, pub name_color: Option<[u8; 3]> }
#[derive(Debug, thiserror::Error)]
pub enum RenderError { #[error("not ready")] NotReady }
pub struct PosterRenderer;
impl PosterRenderer {
    pub fn new() -> Result<Self, RenderError> { Ok(PosterRenderer) }
    pub fn render(&self, _b: &image::RgbImage, _l: &PosterLayout, _u: &str, _n: &str, _f: PosterFormat) -> Result<Vec<u8>, RenderError> { Err(RenderError::NotReady) }
}
pub fn default_background(w: u32, h: u32) -> image::RgbImage { image::RgbImage::new(w, h) }
