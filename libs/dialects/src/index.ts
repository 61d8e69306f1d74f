export * from './dialect';
export * from './dialects';
export * from './collect';
export { openaiModelList } from './openai/openai.dialect';
