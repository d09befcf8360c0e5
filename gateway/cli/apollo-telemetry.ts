/**
 * Imported first by the gateway's commands, before anything loads @apollo/gateway: its own usage telemetry (which
 * probes cloud metadata endpoints and exports metrics to Apollo) stays off unless the operator asks for it with
 * `APOLLO_TELEMETRY_DISABLED=false`. The gateway reads the variable when it is built; every part `npm start`
 * runs inherits it.
 */
process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
