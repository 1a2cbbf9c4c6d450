# The API's image: `cruddur serve --prod`. Built by `cdk deploy` (CruddurApi) or by hand:
#   docker build -t cruddur-api . && docker run -p 4567:4567 --env-file prod.env cruddur-api
# Two stages: the first installs the locked dependencies (uv.lock), then the package, into a
# virtualenv; the final one copies that virtualenv onto a slim base with no compiler, no pip
# cache and a non-root user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/cruddur UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy UV_NO_CACHE=1
# The same uv as the Makefile's; it installs exactly what uv.lock pins, without the extras.
RUN pip install uv==0.13.8
WORKDIR /src
# The dependencies first, from the lock alone, in a layer of their own: a change to src/ (or the
# README) reuses it instead of installing them all again (uv's documented layering).
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-install-project --no-editable
# Then the package itself, built into the same virtualenv (README.md is its long description).
COPY README.md ./
COPY src ./src
RUN uv sync --frozen --no-editable

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin cruddur
COPY --from=build /opt/cruddur /opt/cruddur
ENV PATH=/opt/cruddur/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CRUDDUR_DATA_DIR=/tmp/cruddur
USER 10001:10001
EXPOSE 4567
ENTRYPOINT ["cruddur"]
# 0.0.0.0 inside the container only: the task's security group admits the load balancer alone.
CMD ["serve", "--prod", "--host", "0.0.0.0", "--port", "4567"]
