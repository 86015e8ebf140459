/** Writes docs/errors.md from the catalogue: node bin/run-ts.js bin/gen-errors-doc.ts > docs/errors.md */
import { ERRORS } from '../kernel/errors.ts';

const rows = Object.entries(ERRORS).map(([c, e]) => `| \`${c}\` | ${e.status} | ${e.text} |`);
console.log(`# Pickline error codes

Every API error has the shape \`{"error": {"code", "message", "details": [{"path", "message"}]}}\`
([CONTRACTS.md §1](CONTRACTS.md#1-wms-rest-api-apiv1)). Codes are stable: match on \`code\`, not on \`message\`. The
catalogue lives in \`kernel/errors.ts\`; a test keeps this table in step with it.
The HTTP status is the one the API answers with; codes with status 500+ that
are about configuration or devices are also used in logs and technician views.

| code | HTTP | meaning |
| --- | --- | --- |
${rows.join('\n')}
`);
