// The models a router serves: found in --models-dir, added or tuned by --models-preset.
//
// Naming rule of --models-dir (one level deep, symbolic links followed):
//   DIR/NAME.gguf                      model NAME
//   DIR/mmproj-NAME.gguf               NAME's multimodal projector (--mmproj)
//   DIR/draft-NAME.gguf                NAME's draft model for speculative decoding (--model-draft)
//   DIR/NAME-00001-of-0000N.gguf       model NAME split in shards (the first shard is loaded; the rest skipped)
//   DIR/NAME/                          model NAME: its one other .gguf (or first shard) is the model,
//                                      a file whose name starts with "mmproj" its projector, one starting
//                                      with "draft" its draft model
// A projector or draft without its model is skipped with a warning; so is a directory without
// exactly one model file. Files are not opened here: a corrupt one fails when it is loaded.
#pragma once

#include <string>
#include <vector>

#include "router/preset_ini.h"

namespace cria::router {

struct ModelSpec {
    std::string name;         // what requests put in "model", and the child's --alias
    std::string model_path;   // -m ("" when the preset gives the model another way, e.g. hf-repo)
    std::string mmproj_path;  // --mmproj ("" = none)
    std::string draft_path;   // --model-draft ("" = none)
    std::vector<std::string> preset_args;  // the preset's options as command-line arguments: [*] first, then [NAME]
    bool load_on_startup = false;          // preset key load-on-startup
    int stop_timeout_s = 10;               // preset key stop-timeout: SIGTERM, then SIGKILL after this long
    std::string source;                    // "models_dir" or "preset"
};

// The models of `dir`, sorted by name. Skipped files are explained in *warnings. Throws
// std::runtime_error when dir cannot be read.
std::vector<ModelSpec> discover_models(const std::string& dir, std::vector<std::string>* warnings);

// Applies a preset file's sections to `models`: `[*]` to every model, `[NAME]` to NAME, and a
// section naming no model found in the directory adds one; it must then say where its model is
// (`model = PATH`, or a download option such as `hf-repo`). Keys are option names without their
// dashes (`ctx-size`, `c`, `no-mmap`) or their LLAMA_ARG_* variables; flags take true/false (on/off, 1/0).
// Besides options: `load-on-startup` (bool), `stop-timeout` (seconds), `model`, `mmproj` and
// `model-draft` (paths, replacing what the directory paired). Router options (--port, --models-dir,
// ...) are refused. Throws PresetError naming the section and key.
void apply_preset(const std::vector<PresetSection>& sections, std::vector<ModelSpec>* models);

}  // namespace cria::router
