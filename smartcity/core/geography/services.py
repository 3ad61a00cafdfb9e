def areas_geojson() -> dict:
    return {"type": "FeatureCollection", "features": []}
