FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md MANIFEST.in ./
COPY tools/ tools/
COPY kit/ kit/
COPY engine/ engine/
COPY schema/ schema/
COPY plugins/ plugins/
COPY server/ server/
COPY seeds/ seeds/
# `pip install .` builds GraphiQL's files from the pinned front-end project (node comes from
# PyPI for the build only; it is not in the image).
COPY web/ web/
RUN pip install ".[redis]" && useradd --create-home --uid 10001 newsgraph

USER newsgraph
# The health port answers from a process of its own, fast however busy the server is, and 503
# when the event loop has stalled (docs/hardening.md#the-health-port); /healthz on 8000 works
# too, but waits behind GraphQL work under overload.
ENV NEWSGRAPH_HEALTH_PORT=8001
EXPOSE 8000 8001
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8001/healthz', timeout=2).status != 200)"]
CMD ["newsgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
