//! The runtime every model runs on: onnxruntime's own library, loaded at first use
//! through `ort` from the models directory, where `scripts/models.sh` puts it (from the
//! `onnxruntime` PyPI wheel, MIT). The library is loaded once per process: the first
//! models directory asked for wins.
//!
//! Each session runs on one thread, so that a worker's concurrent jobs, not one job's
//! operators, share the cores; and one inference at a time, since `ort` hands a session's
//! outputs out by exclusive borrow.

use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

use ort::environment::Environment;
use ort::session::Session;
use ort::value::Tensor;

/// The library in the models directory.
pub const LIBRARY_FILE: &str = "libonnxruntime.so";
/// The library's version, as results and benchmarks name it.
pub const VERSION: &str = "onnxruntime 1.32.0";

/// The process's one environment: onnxruntime allows no second.
static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
/// Held while loading, so that two first uses load the library once.
static LOADING: Mutex<()> = Mutex::new(());

/// The environment, loading the library from `dir` unless one is loaded. A failure is
/// not kept: a later use with another directory may still load it.
fn environment(dir: &Path) -> Result<&'static Environment, String> {
    if let Some(environment) = ENVIRONMENT.get() {
        return Ok(environment);
    }
    let _loading = LOADING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(environment) = ENVIRONMENT.get() {
        return Ok(environment);
    }
    let path = dir.join(LIBRARY_FILE);
    let environment = ort::init_from(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .with_name("medialib")
        .build()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(ENVIRONMENT.get_or_init(|| environment))
}

/// One output of a run: its shape and values, in row-major order.
#[derive(Debug, Clone)]
pub struct Output {
    /// The dimensions, outermost first.
    pub shape: Vec<usize>,
    /// The values: the product of `shape` of them.
    pub values: Vec<f32>,
}

/// A loaded ONNX model with one `f32` input.
pub struct Model {
    session: Mutex<Session>,
    input: String,
}

impl Model {
    /// Loads and optimises `file` from `dir` (the runtime too, the first time).
    ///
    /// Errors: a sentence naming the library or model file that is missing or does not
    /// load.
    pub fn load(dir: &Path, file: &str) -> Result<Self, String> {
        let environment = environment(dir)?;
        let path = dir.join(file);
        let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let session = Session::builder(environment)
            .map_err(|e| failed(&e))?
            .with_intra_threads(1)
            .map_err(|e| failed(&e))?
            .with_inter_threads(1)
            .map_err(|e| failed(&e))?
            .commit_from_file(&path)
            .map_err(|e| failed(&e))?;
        let input = match session.inputs() {
            [input] => input.name().to_owned(),
            inputs => return Err(failed(&format!("{} inputs, not one", inputs.len()))),
        };
        Ok(Self {
            session: Mutex::new(session),
            input,
        })
    }

    /// The model's custom metadata under `key` (ONNX `metadata_props`), if it has any.
    ///
    /// Errors: a sentence when the metadata cannot be read.
    pub fn metadata(&self, key: &str) -> Result<Option<String>, String> {
        let session = self
            .session
            .lock()
            .map_err(|_| "the model failed in another job".to_owned())?;
        let metadata = session
            .metadata()
            .map_err(|e| format!("the model's metadata: {e}"))?;
        Ok(metadata.custom(key))
    }

    /// Runs the model on `values` shaped as `shape`: every output, in the model's order.
    ///
    /// Errors: a sentence when the input does not fit the model, the model fails, or an
    /// output is not `f32`.
    pub fn run(&self, shape: &[usize], values: Vec<f32>) -> Result<Vec<Output>, String> {
        let tensor = Tensor::from_array((shape.to_vec(), values))
            .map_err(|e| format!("the model's input: {e}"))?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| "the model failed in another job".to_owned())?;
        let outputs = session
            .run(ort::inputs![self.input.as_str() => tensor])
            .map_err(|e| format!("the model failed: {e}"))?;
        outputs
            .values()
            .map(|value| {
                let (shape, values) = value
                    .try_extract_tensor::<f32>()
                    .map_err(|e| format!("the model's output: {e}"))?;
                Ok(Output {
                    shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
                    values: values.to_vec(),
                })
            })
            .collect()
    }
}
