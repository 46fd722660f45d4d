# syntax=docker/dockerfile:1
# Build stage: install the project and its dependencies into a virtual environment.
FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /app/.venv
COPY pyproject.toml README.md ./
COPY router ./router
RUN /app/.venv/bin/pip install --no-compile .

# Runtime stage: the same base image, a non-root user, the venv and the catalog data.
FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="ava-router" \
      org.opencontainers.image.description="Pre-flight failure scoring and vendor routing for AI video"
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    AVA_ROUTER_ROOT=/app AVA_ROUTER_HOST=0.0.0.0 AVA_ROUTER_PORT=8000
RUN groupadd --gid 65532 app && useradd --uid 65532 --gid app --no-create-home app
WORKDIR /app
COPY --from=builder --chown=65532:65532 /app/.venv /app/.venv
COPY --chown=65532:65532 vendors ./vendors
COPY --chown=65532:65532 catalog ./catalog
USER 65532
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"]
CMD ["ava-router", "serve"]
