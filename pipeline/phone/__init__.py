"""Call metadata as phone systems write it: numbers, FreePBX file names, Asterisk CDRs,
sidecar JSON and the extension-to-seller map, merged into one `CallMetadata`.

Pure functions over files: nothing here decodes audio or touches the database.
"""
