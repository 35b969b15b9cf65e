#include "router/model_catalog.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <stdexcept>

#include "router/option_arguments.h"

namespace cria::router {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool starts_with(const std::string& s, const std::string& head) { return s.rfind(head, 0) == 0; }

// A file's role by its name: "" for a model file, "mmproj" or "draft", or "skip" for a later shard.
// *stem is the name without ".gguf" (and without the shard suffix).
std::string role_of(const std::string& file, std::string* stem) {
    static const std::regex shard(R"((.*)-(\d{5})-of-\d{5}\.gguf)");
    std::smatch m;
    if (std::regex_match(file, m, shard)) {
        *stem = m[1].str();
        if (m[2].str() != "00001") return "skip";
    } else {
        *stem = file.substr(0, file.size() - 5);
    }
    if (starts_with(file, "mmproj")) return "mmproj";
    if (starts_with(file, "draft")) return "draft";
    return "";
}

std::vector<std::string> gguf_files(const fs::path& dir) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (ends_with(name, ".gguf") && entry.is_regular_file()) files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    return files;
}

// DIR/NAME/: one model with what sits beside it. False (and a warning) when it is not one model.
bool model_of_directory(const fs::path& dir, ModelSpec* spec, std::vector<std::string>* warnings) {
    std::vector<std::string> models;
    for (const auto& file : gguf_files(dir)) {
        std::string stem;
        const std::string role = role_of(file, &stem);
        const std::string path = (dir / file).string();
        if (role == "mmproj") spec->mmproj_path = path;
        if (role == "draft") spec->draft_path = path;
        if (role.empty()) models.push_back(path);
    }
    if (models.size() != 1) {
        warnings->push_back(dir.string() + ": skipped, it holds " + std::to_string(models.size()) +
                            " model files (a model's directory holds one, beside mmproj* and draft* files)");
        return false;
    }
    spec->name = dir.filename().string();
    spec->model_path = models.front();
    return true;
}

void pair_top_level(const fs::path& dir, std::map<std::string, ModelSpec>* found, std::vector<std::string>* warnings) {
    std::vector<std::pair<std::string, std::string>> companions;  // (role, file)
    for (const auto& file : gguf_files(dir)) {
        std::string stem;
        const std::string role = role_of(file, &stem);
        if (role == "skip") continue;
        if (!role.empty()) {
            companions.emplace_back(role, file);
            continue;
        }
        ModelSpec spec;
        spec.name = stem;
        spec.model_path = (dir / file).string();
        found->emplace(stem, spec);
    }
    for (const auto& [role, file] : companions) {
        const std::string stem = file.substr(0, file.size() - 5);
        const std::string owner = starts_with(stem, role + "-") ? stem.substr(role.size() + 1) : "";
        auto it = found->find(owner);
        if (it == found->end()) {
            warnings->push_back((dir / file).string() + ": skipped, no model " + (owner.empty() ? "names it" : owner + ".gguf") +
                                " (a " + role + " file is named " + role + "-NAME.gguf beside NAME.gguf)");
            continue;
        }
        (role == "mmproj" ? it->second.mmproj_path : it->second.draft_path) = (dir / file).string();
    }
}

}  // namespace

std::vector<ModelSpec> discover_models(const std::string& dir, std::vector<std::string>* warnings) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw std::runtime_error("--models-dir " + dir + ": not a directory");
    std::map<std::string, ModelSpec> found;
    try {
        pair_top_level(dir, &found, warnings);
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (!entry.is_directory()) continue;
            ModelSpec spec;
            if (!model_of_directory(entry.path(), &spec, warnings)) continue;
            if (!found.emplace(spec.name, spec).second) {
                warnings->push_back(entry.path().string() + ": skipped, a model named " + spec.name + " exists already");
            }
        }
    } catch (const fs::filesystem_error& e) {
        throw std::runtime_error("--models-dir " + dir + ": " + e.what());
    }
    std::vector<ModelSpec> models;
    for (auto& [name, spec] : found) {
        spec.source = "models_dir";
        models.push_back(std::move(spec));
    }
    return models;
}

namespace {

bool preset_key(const std::string& key, const std::string& value, ModelSpec* spec) {
    if (key == "model" || key == "m") {
        spec->model_path = value;
    } else if (key == "mmproj") {
        spec->mmproj_path = value;
    } else if (key == "model-draft" || key == "md" || key == "spec-draft-model") {
        spec->draft_path = value;
    } else if (key == "load-on-startup") {
        spec->load_on_startup = value == "true" || value == "1" || value == "on";
    } else if (key == "stop-timeout") {
        spec->stop_timeout_s = std::stoi(value);
        if (spec->stop_timeout_s < 0 || spec->stop_timeout_s > 3600) throw std::invalid_argument("must be 0 to 3600 seconds");
    } else {
        return false;
    }
    return true;
}

void apply_section(const PresetSection& section, ModelSpec* spec) {
    for (const auto& [key, value] : section.entries) {
        try {
            if (preset_key(key, value, spec)) continue;
            const auto args = preset_entry_arguments(key, value);
            spec->preset_args.insert(spec->preset_args.end(), args.begin(), args.end());
        } catch (const std::exception& e) {
            throw PresetError("[" + section.name + "] (line " + std::to_string(section.line) + ") " + key + ": " + e.what());
        }
    }
}

bool names_a_download(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--hf-repo" || a == "--model-url" || a == "--docker-repo") return true;
    }
    return false;
}

}  // namespace

void apply_preset(const std::vector<PresetSection>& sections, std::vector<ModelSpec>* models) {
    const PresetSection* everyone = nullptr;
    for (const auto& s : sections) {
        if (s.name == "*") everyone = &s;
    }
    for (const auto& section : sections) {
        if (section.name.empty() || section.name == "*") continue;  // the file's own keys (version), and [*] below
        auto it = std::find_if(models->begin(), models->end(), [&](const ModelSpec& m) { return m.name == section.name; });
        if (it == models->end()) {
            ModelSpec spec;
            spec.name = section.name;
            spec.source = "preset";
            models->push_back(spec);
            it = models->end() - 1;
        }
        apply_section(section, &*it);
        if (it->model_path.empty() && !names_a_download(it->preset_args)) {
            throw PresetError("[" + section.name + "] (line " + std::to_string(section.line) +
                              "): no model of that name in --models-dir, and no `model = PATH` (or hf-repo) in the section");
        }
    }
    if (everyone == nullptr) return;
    for (auto& spec : *models) {
        ModelSpec common;
        apply_section(*everyone, &common);
        // [*] comes first, so a model's own section (parsed later by the child) wins.
        spec.preset_args.insert(spec.preset_args.begin(), common.preset_args.begin(), common.preset_args.end());
        if (common.load_on_startup) spec.load_on_startup = true;
    }
}

}  // namespace cria::router
