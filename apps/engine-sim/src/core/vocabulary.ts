/**
 * Word pieces the fake model speaks. Every word is at most 10 letters so that the tokenizer
 * splits generated text back into the same pieces.
 */

const words = (list: string): readonly string[] => list.split(/\s+/).filter(Boolean);
const spaced = (list: string): readonly string[] => words(list).map((word) => ` ${word}`);

export const SENTENCE_STARTERS = words(`
  The This It We In A Our Each Every Some Most When If After Before Many Such That Here Today
  Often Yes
`);

export const WORDS = spaced(`
  the a of and to in is that for it with as on be at by this from or an are was but not can
  will more all their which one other into when there also these only than most new some time
  each between through about after before while without under over again often still always
  never usually quickly slowly rather simply nearly system model request answer question data
  result process cluster server network memory engine token context queue signal stream
  message value number world people city river mountain forest ocean light water air fire
  stone garden window door road bridge market school library history language music story
  idea plan problem method reason effect change growth balance pattern structure energy power
  speed distance weight season morning evening night summer winter family friend teacher
  student worker traveler scientist engineer writer small large early late simple complex
  careful quiet bright dark warm cold strong gentle steady sudden clear useful common rare
  modern ancient local global shared stable natural patient open hidden known certain makes
  takes gives finds keeps moves holds builds shows follows creates supports reduces improves
  explains describes connects protects measures answers returns becomes remains seems helps
  allows needs grows turns carries waits learned found built moved changed started finished
  noticed decided reached crossed opened closed listened
`);

export const CLAUSE_BREAKS: readonly string[] = [',', ',', ',', ';', ' and', ' but'];

export const SENTENCE_ENDS: readonly string[] = ['.', '.', '.', '.', '.', '.', '.', '.', '!', '?'];

export const PARAGRAPH_BREAK = '\n\n';
