# The API and the spiral CLI in one image (docker-compose.yml runs it).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/SpiralAnalytics.Api -c Release -o /app/api \
 && dotnet publish src/SpiralAnalytics.Cli -c Release -o /app/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
COPY catalog /app/catalog
COPY scripts/docker/entrypoint.sh /app/entrypoint.sh
EXPOSE 8080
ENTRYPOINT ["/app/entrypoint.sh"]
