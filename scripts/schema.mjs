#!/usr/bin/env node
// Writes schema/audit.config.schema.json from the zod config schema (run after changing it).
import fs from 'node:fs';
import { configJsonSchema } from '../dist/modes/evaluate/config-schema.js';

fs.writeFileSync(new URL('../schema/audit.config.schema.json', import.meta.url), JSON.stringify(configJsonSchema(), null, 2) + '\n');
console.log('wrote schema/audit.config.schema.json');
