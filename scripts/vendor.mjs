// Copies the pinned npm packages' distributables into the platform's static files,
// so that the platform serves them itself (kiosks and CI are offline; no CDN).
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const target = "smartcity/core/static/vendor";
const files = {
  "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
  "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
  // leaflet.js names its source map; collectstatic's manifest storage needs the file.
  "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
  "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
  "leaflet/dist/images": "leaflet/images",
  "leaflet/LICENSE": "leaflet/LICENSE",
  "htmx.org/LICENSE": "htmx/LICENSE",
  "uplot/dist/uPlot.iife.min.js": "uplot/uPlot.iife.min.js",
  "uplot/dist/uPlot.min.css": "uplot/uPlot.min.css",
  "uplot/LICENSE": "uplot/LICENSE",
};
const versions = {};
for (const [source, destination] of Object.entries(files)) {
  const dest = `${target}/${destination}`;
  mkdirSync(dest.substring(0, dest.lastIndexOf("/")), { recursive: true });
  cpSync(`node_modules/${source}`, dest, { recursive: true });
  const pkg = source.split("/")[0];
  versions[pkg] = JSON.parse(readFileSync(`node_modules/${pkg}/package.json`)).version;
}
writeFileSync(`${target}/VERSIONS.json`, JSON.stringify(versions, null, 2) + "\n");
