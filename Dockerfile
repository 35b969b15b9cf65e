# cria in a container, built from source on Debian. Mirrors the seed's usage:
#   docker build -t cria .
#   docker run -p 8080:8080 -v /path/to/models:/models cria -m models/7B/ggml-model.gguf -c 512 --host 0.0.0.0 --port 8080
# (The image listens on 0.0.0.0:8080 by default, so `-m models/...` alone is enough.)

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
# install-deps brings the compiler, libllama/libggml (from Debian unstable, pinned low), node for
# the web UI build, and the test tools; only the build is run here.
RUN scripts/install-deps && scripts/build && cmake --install build --prefix /opt/cria

FROM debian:bookworm
# The runtime libraries the binary links, from the same sources as the build stage; ffmpeg for
# video input (libmtmd runs ffprobe/ffmpeg to read a video's frames).
COPY --from=build /etc/apt/sources.list.d/cria-unstable.list /etc/apt/sources.list.d/
COPY --from=build /etc/apt/preferences.d/cria-unstable /etc/apt/preferences.d/
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates libcurl4 ffmpeg \
 && apt-get install -y -qq --no-install-recommends -t unstable -o Dpkg::Options::=--force-overwrite \
      libllama0 libcpp-httplib0.41 \
 && (apt-get remove -y -qq libggml0-backend-blas || true) \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/cria/bin/cria /usr/local/bin/cria
ENV LLAMA_ARG_HOST=0.0.0.0 LLAMA_ARG_PORT=8080 LLAMA_CACHE=/cache
WORKDIR /
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cria"]
