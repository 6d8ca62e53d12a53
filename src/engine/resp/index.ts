export { ReplyWriter, type ProtocolVersion } from './reply-writer.ts';
export { RequestParser, splitArgs, type ParseResult, type ParserLimits, type ProtocolError } from './request-parser.ts';
export { ReplyParser, ReplyProtocolError, type Reply } from './reply-parser.ts';
