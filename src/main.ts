import { mount } from 'svelte';
import '@xterm/xterm/css/xterm.css';
import './ui/app.css';
import App from './ui/App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');
export default mount(App, { target });
