#!/bin/sh
# Container start: migrate, import the catalog and seed the demo tenant (all idempotent: a restart changes nothing),
# refresh the views, print a lead token for the demo tenant, then serve the API.
set -e
spiral() { dotnet /app/cli/spiral.dll "$@"; }
if [ -z "${Auth__SigningKey:-}" ]; then
  # No key configured: one per container start (tokens from an earlier start stop working). Set Auth__SigningKey to keep them.
  Auth__SigningKey=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
  export Auth__SigningKey
fi
TENANT="${SPIRAL_DEMO_TENANT:-demo}"
spiral migrate
spiral catalog import /app/catalog | tail -n 1
if [ "${SPIRAL_SEED_DEMO:-true}" = "true" ]; then
  spiral demo seed --tenant "$TENANT" | tail -n 1
  spiral refresh --tenant "$TENANT"
  echo "lead token for tenant '$TENANT':"
  spiral token create --tenant "$TENANT" --role lead
fi
exec dotnet /app/api/SpiralAnalytics.Api.dll --urls "http://0.0.0.0:8080"
