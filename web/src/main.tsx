import { render } from 'preact';
import { Model } from './app/model.js';
import { App } from './components/App.js';
import './styles.css';

const model = new Model();
// For the end-to-end tests and the curious: the page's state from the console.
(globalThis as { bourse?: Model }).bourse = model;
render(<App model={model} />, document.getElementById('app')!);
void model.start();
