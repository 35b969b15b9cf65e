// Tests of the network-free parts of model downloads (src/download/): the cache directory, Hugging
// Face URLs and file names, the choice of a file in a repository, URL file names, the progress line,
// and Docker Hub (-dr) references, endpoints and manifests.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "download/docker_registry.h"
#include "download/download_progress.h"
#include "download/http_client.h"
#include "download/model_source.h"

namespace {

using namespace cria::download;

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace

TEST(ModelSource, CacheDirPrefersLlamaCacheThenXdgThenHome) {
    EXPECT_EQ(cache_dir(env_of({{"LLAMA_CACHE", "/c/llama/"}, {"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}})), "/c/llama");
    EXPECT_EQ(cache_dir(env_of({{"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}})), "/x/llama.cpp");
    EXPECT_EQ(cache_dir(env_of({{"HOME", "/home/u"}})), "/home/u/.cache/llama.cpp");
    // Empty variables count as unset.
    EXPECT_EQ(cache_dir(env_of({{"LLAMA_CACHE", ""}, {"XDG_CACHE_HOME", ""}, {"HOME", "/h"}})), "/h/.cache/llama.cpp");
    EXPECT_EQ(cache_dir(env_of({})), "");
}

TEST(ModelSource, HfEndpointFromEnvironment) {
    EXPECT_EQ(hf_endpoint(env_of({{"HF_ENDPOINT", "http://127.0.0.1:9/"}, {"MODEL_ENDPOINT", "http://m"}})),
              "http://127.0.0.1:9/");
    EXPECT_EQ(hf_endpoint(env_of({{"HF_ENDPOINT", "http://127.0.0.1:9"}})), "http://127.0.0.1:9/");
    EXPECT_EQ(hf_endpoint(env_of({{"MODEL_ENDPOINT", "http://mirror.local/hub"}})), "http://mirror.local/hub/");
    // Neither set (or empty): the Hugging Face hub, as llama-server.
    EXPECT_EQ(hf_endpoint(env_of({})), "https://huggingface.co/");
    EXPECT_EQ(hf_endpoint(env_of({{"HF_ENDPOINT", ""}})), "https://huggingface.co/");
}

TEST(ModelSource, ParseHfRepo) {
    std::string error;
    auto r = parse_hf_repo("ggml-org/tiny-GGUF", &error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->repo, "ggml-org/tiny-GGUF");
    EXPECT_EQ(r->tag, "");
    r = parse_hf_repo("user/model.v2_x:Q8_0", &error);
    ASSERT_TRUE(r) << error;
    EXPECT_EQ(r->repo, "user/model.v2_x");
    EXPECT_EQ(r->tag, "Q8_0");
    for (const std::string bad : {"", "model", "/model", "user/", "a/b/c", "user/model:", "user/../x", "us er/m",
                                  "user/m:q/4", "../m"}) {
        error.clear();
        EXPECT_FALSE(parse_hf_repo(bad, &error)) << bad;
        EXPECT_NE(error.find("<user>/<model>[:quant]"), std::string::npos) << bad << ": " << error;
    }
}

TEST(ModelSource, HfUrlsAndCacheName) {
    EXPECT_EQ(hf_file_url("http://127.0.0.1:5/", "user/repo", "model-Q4_K_M.gguf"),
              "http://127.0.0.1:5/user/repo/resolve/main/model-Q4_K_M.gguf");
    EXPECT_EQ(hf_file_url("http://h", "user/repo", "sub/m.gguf"), "http://h/user/repo/resolve/main/sub/m.gguf");
    EXPECT_EQ(hf_tree_url("http://h/", "user/repo"), "http://h/api/models/user/repo/tree/main?recursive=true");
    EXPECT_EQ(hf_cache_file_name("user/repo", "model-Q4_K_M.gguf"), "user_repo_model-Q4_K_M.gguf");
    EXPECT_EQ(hf_cache_file_name("user/repo", "sub/dir/m.gguf"), "user_repo_m.gguf");
}

TEST(ModelSource, GgufFilesInTree) {
    const std::string tree = R"([
        {"type": "file", "path": "README.md", "size": 10},
        {"type": "directory", "path": "sub"},
        {"type": "file", "path": "m-Q8_0.gguf"},
        {"type": "file", "path": "sub/m-Q4_K_M.GGUF"},
        {"type": "file", "path": "mmproj-m-f16.gguf"},
        {"type": "file", "path": 7},
        "junk"
    ])";
    const auto files = gguf_files_in_tree(tree);
    ASSERT_TRUE(files);
    EXPECT_EQ(files->models, (std::vector<std::string>{"m-Q8_0.gguf", "sub/m-Q4_K_M.GGUF"}));
    EXPECT_EQ(files->projectors, (std::vector<std::string>{"mmproj-m-f16.gguf"}));
    EXPECT_FALSE(gguf_files_in_tree("{\"error\": \"x\"}"));
    EXPECT_FALSE(gguf_files_in_tree("not json"));
}

TEST(ModelSource, ChooseHfFile) {
    const std::vector<std::string> files = {"m-Q2_K.gguf", "m-Q4_K_M.gguf", "m-Q8_0.gguf"};
    std::string error;
    EXPECT_EQ(choose_hf_file(files, "q8_0", &error), "m-Q8_0.gguf");  // case-insensitive
    EXPECT_EQ(choose_hf_file(files, "", &error), "m-Q4_K_M.gguf");     // the default quant
    EXPECT_EQ(choose_hf_file({"m-Q2_K.gguf", "m-Q8_0.gguf"}, "", &error), "m-Q2_K.gguf");  // else the first
    error.clear();
    EXPECT_EQ(choose_hf_file(files, "IQ1_S", &error), "");
    EXPECT_NE(error.find("IQ1_S"), std::string::npos) << error;
    EXPECT_NE(error.find("m-Q8_0.gguf"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(choose_hf_file({}, "", &error), "");
    EXPECT_NE(error.find("no .gguf"), std::string::npos) << error;
    error.clear();
    EXPECT_EQ(choose_hf_file({"big-Q4_K_M-00001-of-00002.gguf", "big-Q4_K_M-00002-of-00002.gguf"}, "", &error), "");
    EXPECT_NE(error.find("split"), std::string::npos) << error;
}

TEST(ModelSource, ProjectorFiles) {
    EXPECT_TRUE(is_projector_file("mmproj-m-f16.gguf"));
    EXPECT_TRUE(is_projector_file("sub/Model-MMPROJ-Q8_0.GGUF"));
    EXPECT_FALSE(is_projector_file("mmproj/m-Q8_0.gguf"));  // the folder's name does not count
    EXPECT_FALSE(is_projector_file("mmproj-m-f16.bin"));
}

TEST(ModelSource, QuantBits) {
    EXPECT_EQ(quant_bits("m-Q4_K_M.gguf"), 4);
    EXPECT_EQ(quant_bits("m.Q8_0.gguf"), 8);
    EXPECT_EQ(quant_bits("mmproj-m-f16.gguf"), 16);
    EXPECT_EQ(quant_bits("sub/mmproj-BF16.gguf"), 16);
    EXPECT_EQ(quant_bits("m-IQ2_XXS-00001-of-00003.gguf"), 2);
    EXPECT_EQ(quant_bits("mmproj.gguf"), 0);          // no word after '-' or '.'
    EXPECT_EQ(quant_bits("mmproj-model.gguf"), 0);    // a word without a number
    EXPECT_EQ(quant_bits("m-f16+x.gguf"), 0);         // the last word is not letters and digits
    EXPECT_EQ(quant_bits("m-Q4_K_M.bin"), 0);
}

TEST(ModelSource, ChooseProjectorAsLlamaServer) {
    // Against a hub serving these, llama-server 0.7 took mmproj-m-Q8_0 for m-Q4_K_M and for m-Q8_0.
    const std::vector<std::string> root = {"mmproj-m-f16.gguf", "mmproj-m-Q8_0.gguf"};
    EXPECT_EQ(choose_projector(root, "m-Q4_K_M.gguf"), "mmproj-m-Q8_0.gguf");  // |8-4| < |16-4|
    EXPECT_EQ(choose_projector(root, "m-Q8_0.gguf"), "mmproj-m-Q8_0.gguf");
    EXPECT_EQ(choose_projector(root, "m-F16.gguf"), "mmproj-m-f16.gguf");
    EXPECT_EQ(choose_projector({"mmproj-a-f16.gguf", "mmproj-b-BF16.gguf"}, "m-Q8_0.gguf"), "mmproj-a-f16.gguf");  // tie: first
    // The model's folder or one above it, the deepest first (llama-server took sub/mmproj-sub-bf16).
    const std::vector<std::string> nested = {"mmproj-root-f16.gguf", "sub/mmproj-sub-bf16.gguf", "other/mmproj-o-q4_0.gguf"};
    EXPECT_EQ(choose_projector(nested, "sub/m-Q4_K_M.gguf"), "sub/mmproj-sub-bf16.gguf");
    EXPECT_EQ(choose_projector(nested, "m-Q4_K_M.gguf"), "mmproj-root-f16.gguf");
    EXPECT_EQ(choose_projector({"other/mmproj-o-q4_0.gguf"}, "m-Q4_K_M.gguf"), "");
    EXPECT_EQ(choose_projector({"subdir/mmproj-f16.gguf"}, "sub/m-Q4_K_M.gguf"), "");  // not a folder prefix
    EXPECT_EQ(choose_projector({}, "m-Q4_K_M.gguf"), "");
}

TEST(ModelSource, FileNameFromUrl) {
    EXPECT_EQ(file_name_from_url("http://127.0.0.1:8/models/tiny.gguf"), "tiny.gguf");
    EXPECT_EQ(file_name_from_url("https://h/a/b/model.gguf?download=true#x"), "model.gguf");
    EXPECT_EQ(file_name_from_url("https://h/a/my%20model%2Bv2.gguf"), "my_model_v2.gguf");
    EXPECT_EQ(file_name_from_url("https://h/a/..%2F..%2Fetc"), ".._.._etc");  // never a path
    EXPECT_EQ(file_name_from_url("https://h/"), "");
    EXPECT_EQ(file_name_from_url("https://h"), "");
    EXPECT_EQ(file_name_from_url("https://h/a/.."), "");
}

TEST(ModelSource, UrlChecksAndLogForm) {
    EXPECT_TRUE(is_http_url("http://x/m.gguf"));
    EXPECT_TRUE(is_http_url("HTTPS://x/m.gguf"));
    EXPECT_FALSE(is_http_url("ftp://x/m.gguf"));
    EXPECT_FALSE(is_http_url("file:///m.gguf"));
    EXPECT_FALSE(is_http_url("models/m.gguf"));
    EXPECT_EQ(url_for_log("https://user:secret@h:1/m.gguf"), "https://h:1/m.gguf");
    EXPECT_EQ(url_for_log("https://h/a@b.gguf"), "https://h/a@b.gguf");
    EXPECT_EQ(url_for_log("https://h/m.gguf"), "https://h/m.gguf");
}

TEST(ModelSource, ContentRange) {
    int64_t start = 0;
    int64_t total = 0;
    EXPECT_TRUE(parse_content_range("bytes 100-999/1000", &start, &total));
    EXPECT_EQ(start, 100);
    EXPECT_EQ(total, 1000);
    EXPECT_TRUE(parse_content_range("bytes 5-9/*", &start, &total));
    EXPECT_EQ(start, 5);
    EXPECT_EQ(total, -1);
    EXPECT_FALSE(parse_content_range("bytes */1000", &start, &total));
    EXPECT_FALSE(parse_content_range("bytes 9-5/1000", &start, &total));
    EXPECT_FALSE(parse_content_range("items 1-2/3", &start, &total));
    EXPECT_FALSE(parse_content_range("", &start, &total));
}

TEST(DownloadProgress, Formats) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(format_bytes(3 * 1024 * 1024), "3.0 MiB");
    EXPECT_EQ(format_bytes(int64_t{5} << 30), "5.00 GiB");
    EXPECT_EQ(format_progress("m.gguf", 512, 1024, -1), "m.gguf   50% [############............] 512 B / 1.0 KiB");
    EXPECT_EQ(format_progress("m.gguf", 2048, -1, 1024), "m.gguf  2.0 KiB  1.0 KiB/s");
    EXPECT_EQ(format_progress("m.gguf", 1024, 1024, -1), "m.gguf  100% [########################] 1.0 KiB / 1.0 KiB");
}

namespace {
const std::string kDigest = "sha256:" + std::string(64, 'a');
}  // namespace


TEST(DockerRegistry, ReferencesDefaultToAiAndLatest) {
    std::string why;
    auto ref = parse_docker_reference("gemma3", &why);
    ASSERT_TRUE(ref) << why;
    EXPECT_EQ(ref->repo, "ai/gemma3");
    EXPECT_EQ(ref->tag, "latest");
    ref = parse_docker_reference("ai/smollm2:135M-Q4_0", &why);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->repo, "ai/smollm2");
    EXPECT_EQ(ref->tag, "135M-Q4_0");
    ref = parse_docker_reference("me/models/tiny:Q8_0", &why);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->repo, "me/models/tiny");
    EXPECT_EQ(docker_cache_file_name(*ref), "me_models_tiny_Q8_0.gguf");
    EXPECT_EQ(docker_cache_file_name({"ai/smollm2", "latest"}), "ai_smollm2_latest.gguf");
}

TEST(DockerRegistry, MalformedReferencesAreRefused) {
    std::string why;
    for (const std::string& bad : std::vector<std::string>{"", ":latest", "ai/", "/x", "a//b", "x:", "x:a:b", "x y", "../x", "x:" + std::string(129, 't')}) {
        why.clear();
        EXPECT_FALSE(parse_docker_reference(bad, &why)) << bad;
        EXPECT_NE(why, "") << bad;
    }
}

TEST(DockerRegistry, EndpointsComeFromTheEnvironmentOnly) {
    EXPECT_EQ(docker_registry_url(env_of({})), "");  // no registry host of cria's own
    EXPECT_EQ(docker_token_url(env_of({}), "ai/x"), "");
    const auto env = env_of({{"CRIA_DOCKER_REGISTRY", "http://127.0.0.1:9/"}, {"CRIA_DOCKER_AUTH", "http://127.0.0.1:9/token?service=reg"}});
    EXPECT_EQ(docker_registry_url(env), "http://127.0.0.1:9");
    EXPECT_EQ(docker_token_url(env, "ai/x"), "http://127.0.0.1:9/token?service=reg&scope=repository:ai/x:pull");
    EXPECT_EQ(docker_token_url(env_of({{"CRIA_DOCKER_AUTH", "http://h/t"}}), "me/m"), "http://h/t?scope=repository:me/m:pull");
}

TEST(DockerRegistry, ManifestGivesTheGgufLayer) {
    std::string why;
    const std::string upper = "sha256:" + std::string(64, 'B');
    const std::string manifest = R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.ai.model.config.v0.1+json"},
        "layers":[{"mediaType":"application/vnd.docker.ai.license","digest":"sha256:)" + std::string(64, '1') + R"("},
                  {"mediaType":"application/vnd.docker.ai.gguf.v3","digest":")" + upper + R"(","size":10}]})";
    const auto digest = gguf_layer_digest(manifest, &why);
    ASSERT_TRUE(digest) << why;
    EXPECT_EQ(*digest, "sha256:" + std::string(64, 'b'));  // lower-cased
    // Another media type that names gguf is taken too (as llama-server does).
    EXPECT_EQ(gguf_layer_digest(R"({"layers":[{"mediaType":"application/x-gguf","digest":")" + kDigest + R"("}]})", &why),
              kDigest);
}

TEST(DockerRegistry, ManifestsWithoutAGoodGgufLayerAreErrors) {
    std::string why;
    EXPECT_FALSE(gguf_layer_digest("not json", &why));
    EXPECT_FALSE(gguf_layer_digest(R"({"manifests":[]})", &why));
    EXPECT_FALSE(gguf_layer_digest(R"({"layers":[{"mediaType":"application/vnd.docker.ai.license","digest":")" + kDigest + R"("}]})", &why));
    EXPECT_NE(why.find("no GGUF layer"), std::string::npos) << why;
    EXPECT_FALSE(gguf_layer_digest(R"({"layers":[{"mediaType":"application/vnd.docker.ai.gguf.v3","digest":"sha256:../../etc"}]})", &why));
    EXPECT_NE(why.find("malformed digest"), std::string::npos) << why;
}
