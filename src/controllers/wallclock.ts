// Moved to ./shared/wallclock.ts; this re-export remains only until every importer uses it.
export { formatTime, parseTime, wallClock } from './shared/wallclock.js';
