import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '@switchyard/config';
import { registerGateway, registerSim, registerWorker } from './commands';
import { registerNodes, registerQueues, registerStatus } from './fleet.command';
import { registerKeys } from './keys.command';
import { registerUp } from './up.command';

const program = new Command()
  .name('switchyard')
  .description(
    'Inference cluster controller: one front door for many LLM engines and many client APIs',
  )
  .showHelpAfterError();

registerUp(program);
registerGateway(program);
registerWorker(program);
registerSim(program);
registerStatus(program);
registerNodes(program);
registerQueues(program);
registerKeys(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`switchyard: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`switchyard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
