export {
  OpenApiDocument,
  type Amendment,
  type DocumentOptions,
  type ExchangeAdapter,
  type ExchangeReport,
  type OpenApiOperation,
} from './document.js';
export {
  pathAndQuery,
  recordedBody,
  recordingFetch,
  type RecordedExchange,
  type RecordedForm,
} from './exchange.js';
export {
  compilePathTemplate,
  PathTemplateMatcher,
  type PathMatch,
  type PathTemplate,
} from './path-template.js';
export { eachComponentProperty, eachOperation, orNull } from './amendments.js';
