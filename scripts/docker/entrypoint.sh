#!/bin/sh
# Container start: migrate (idempotent), then serve the API.
set -e
dotnet /app/cli/spiral.dll migrate
exec dotnet /app/api/SpiralAnalytics.Api.dll --urls "http://0.0.0.0:8080"
